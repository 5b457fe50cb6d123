import type { ExpectationResult } from './expect';

/** The `run --json` object (ARCHITECTURE §11). */
export interface RunSummary {
  readonly experiment: string;
  readonly protocol: 'raft' | 'vr' | 'paxos';
  readonly runtime: 'sim' | 'threads';
  readonly seed: number;
  readonly durationMs: number;
  readonly ops: { readonly ok: number; readonly fail: number; readonly info: number };
  /** ok ÷ all operations, 0..1 (1 when there were none). */
  readonly availability: number;
  /** ok operations per second of simulated time. */
  readonly throughputOpsPerSec: number;
  /** Latency of ok operations, ms. */
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number; readonly max: number };
  readonly violations: {
    readonly linearizability: number;
    readonly staleRead: number;
    readonly lostWrite: number;
    readonly monotonicRead: number;
    readonly readYourWrites: number;
    readonly divergence: number;
  };
  /** Verdict of the end-of-run linearizability check: keys it could not decide in its budget. */
  readonly linearizabilityUnknownKeys: number;
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
