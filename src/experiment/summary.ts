import type { ModelsBlock } from '../checker/consistencyMap';
import type { KeyExplanation } from '../checker/explainFindings';
import type { ViolationKind } from '../checker/oracle';
import type { ExpectationResult } from './expect';
import type { ProtocolName } from '../protocol/replica';

/** The `run --json` object (ARCHITECTURE §11). */
export interface RunSummary {
  readonly experiment: string;
  readonly protocol: ProtocolName;
  readonly runtime: 'sim' | 'threads';
  readonly seed: number;
  readonly durationMs: number;
  readonly ops: { readonly ok: number; readonly fail: number; readonly info: number };
  /**
   * Operations answered definitely (ok, or a cas whose compare did not hold) within the timeout of
   * their intended start ÷ operations offered, missed ones included, 0..1 (ARCHITECTURE §5); null when
   * nothing was offered (`notMeasured` says why).
   */
  readonly availability: number | null;
  /**
   * The same over the operations offered during partitions by the clients whose home replica was
   * on the majority side, and on the minority side; null when no such operation was offered.
   */
  readonly availabilityBySide: { readonly majority: number | null; readonly minority: number | null };
  /** What the clients' schedules offered and what came of it (`ops` counts only what was issued). */
  readonly offered: {
    /** Offered operations: issued ones plus missed ones. */
    readonly ops: number;
    readonly served: number;
    /** Never issued: the client was still waiting when the operation's timeout passed. */
    readonly missed: number;
    readonly majority: { readonly ops: number; readonly served: number };
    readonly minority: { readonly ops: number; readonly served: number };
  };
  /** Offered operations per second of the run (the schedules' rate, `workload.ratePerSec`, give or take chance). */
  readonly offeredOpsPerSec: number;
  /** Achieved: ok operations per second of simulated time. */
  readonly throughputOpsPerSec: number;
  /** Latency of ok operations from their intended start (coordinated-omission corrected), ms; null when none. */
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number } | null;
  /** Latency of ok operations from when the client issued them (uncorrected), ms; null when none. */
  readonly latencyMsUncorrected: { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number } | null;
  readonly violations: {
    /** Keys the end-of-run check found not linearizable; null when not checked or the checker timed out. */
    readonly linearizability: number | null;
    readonly staleRead: number;
    readonly lostWrite: number;
    readonly monotonicRead: number;
    readonly readYourWrites: number;
    readonly divergence: number;
  };
  /** The oracle's counts above, per key (only keys with a finding), in key order. */
  readonly violationsByKey: Readonly<Record<string, Readonly<Record<ViolationKind, number>>>>;
  /**
   * Each key with oracle findings beside the checker's verdict on it, the findings grouped by why
   * both can hold (ARCHITECTURE §6: lost but unobserved, timed out, concurrent …) or, loudly, a
   * finding the history alone proves on a key the checker accepted (`contradicting` > 0: a bug).
   */
  readonly keyExplanations: readonly KeyExplanation[];
  /** Verdict of the end-of-run linearizability check: keys it could not decide in its budget. */
  readonly linearizabilityUnknownKeys: number;
  /** The consistency map (ARCHITECTURE §6): each model holds, is violated (with the operations), was not checked, or stayed unknown. */
  readonly models: ModelsBlock;
  /**
   * Why a number above is null, by its dotted field ("availability": "no operations",
   * "violations.linearizability": "not checked" | "checker timed out" …). Shown as "—" with the reason.
   */
  readonly notMeasured: Readonly<Record<string, string>>;
  readonly invariantsBroken: readonly string[];
  /** Unsafe switches that were on (an invariant they explain does not fail the run). */
  readonly unsafe: readonly string[];
  /** True when scheduled faults went beyond the protocol's fault model (e.g. f+1 VR crashes). */
  readonly faultModelExceeded: boolean;
  readonly expectations: readonly ExpectationResult[];
  readonly traceSha256: string;
  readonly messages: { readonly sent: number; readonly delivered: number; readonly dropped: number; readonly duplicated: number };
  readonly messagesPerOp: number;
  /**
   * How the cluster-wide invariants (log matching, leader completeness …) were checked when they
   * were sampled rather than checked after every step: the live runtime checks images of the
   * replicas every `everyMs` of lab time (and once at the end). Absent in the simulator.
   */
  readonly clusterInvariants?: { readonly checked: 'sampled'; readonly everyMs: number; readonly checkCount: number };
  /** The live runtime: nodes whose worker stopped answering (it spun or hung) and was stopped, each once, in order. Absent in the simulator. */
  readonly workersUnresponsive?: readonly string[];
}

/**
 * A summary number as people read it: formatted, or "—" with the reason when it is null (an
 * honest empty, ARCHITECTURE §5), e.g. "— (not checked)".
 */
export function shownOrReason(summary: Pick<RunSummary, 'notMeasured'>, path: string, value: number | null | undefined, format: (value: number) => string): string {
  if (value !== null && value !== undefined) return format(value);
  const reason = summary.notMeasured?.[path];
  return reason === undefined ? '—' : `— (${reason})`;
}
