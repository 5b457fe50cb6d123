import * as hdr from 'hdr-histogram-js';
import { labModels, type LabHistoryVerdict } from '../checker/labHistory';
import type { Violation } from '../checker/oracle';
import type { VersionOrder } from '../checker/session';
import type { RecordedOperation } from '../history/recorder';
import { evaluateExpectation } from './expect';
import type { Experiment } from './schema';
import type { RunSummary } from './summary';

/** Operations by outcome. */
export interface OutcomeCounts {
  ok: number;
  fail: number;
  info: number;
}

export function outcomeCounts(operations: readonly RecordedOperation[]): OutcomeCounts {
  const ops = { ok: 0, fail: 0, info: 0 };
  for (const operation of operations) ops[operation.output.type]++;
  return ops;
}

/** The text of the trace's `end` event; both runtimes write the same line. */
export function endOfRunLine(ops: OutcomeCounts, violationCount: number, invariantsBrokenCount: number): string {
  return `${ops.ok} ok, ${ops.fail} fail, ${ops.info} info; ${violationCount} violations; ${invariantsBrokenCount} invariants broken`;
}

/** What a runtime knows at the end of a run; `summarizeRun` turns it into the `run --json` object. */
export interface SummaryParts {
  readonly experiment: Experiment;
  readonly runtime: RunSummary['runtime'];
  readonly operations: readonly RecordedOperation[];
  readonly violations: readonly Violation[];
  readonly divergentKeys: readonly string[];
  /** The end-of-run check's verdict; only counts (no failures) when no check ran. */
  readonly linearizability: LabHistoryVerdict | { readonly failedKeys: number; readonly unknownKeys: number };
  /** Each key's version order as the log decided it (the oracle), for the session checks; absent: inferred. */
  readonly versionOrder?: VersionOrder;
  readonly invariantsBroken: readonly string[];
  readonly faultModelExceeded: boolean;
  readonly traceSha256: string;
  readonly messages: RunSummary['messages'];
}

/**
 * The summary of a finished run (DESIGN §11), shared by the simulator's run controller and the
 * live worker-thread runtime so both report the same numbers the same way.
 */
export function summarizeRun(parts: SummaryParts): RunSummary {
  const experiment = parts.experiment;
  const ops = outcomeCounts(parts.operations);
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
  for (const operation of parts.operations) {
    if (operation.output.type === 'ok' && operation.return !== null) histogram.recordValue(Math.max(1, operation.return - operation.call));
  }
  const total = ops.ok + ops.fail + ops.info;
  const count = (kind: Violation['kind']) => parts.violations.filter((violation) => violation.kind === kind).length;
  const toMs = (us: number) => Math.round(us) / 1000;
  const partial = {
    experiment: experiment.name,
    protocol: experiment.protocol,
    runtime: parts.runtime,
    seed: experiment.seed,
    durationMs: experiment.stoppedAtMs ?? experiment.durationMs,
    ops,
    availability: total === 0 ? 1 : ops.ok / total,
    throughputOpsPerSec: ops.ok / ((experiment.stoppedAtMs ?? experiment.durationMs) / 1000),
    latencyMs: ops.ok === 0 ? { p50: 0, p95: 0, p99: 0, max: 0 } : { p50: toMs(histogram.getValueAtPercentile(50)), p95: toMs(histogram.getValueAtPercentile(95)), p99: toMs(histogram.getValueAtPercentile(99)), max: toMs(histogram.maxValue) },
    violations: {
      linearizability: parts.linearizability.failedKeys,
      staleRead: count('staleRead'),
      lostWrite: count('lostWrite'),
      monotonicRead: count('monotonicRead'),
      readYourWrites: count('readYourWrites'),
      divergence: parts.divergentKeys.length,
    },
    linearizabilityUnknownKeys: parts.linearizability.unknownKeys,
    models: labModels(parts.operations, 'failures' in parts.linearizability ? parts.linearizability : null, parts.versionOrder),
    invariantsBroken: parts.invariantsBroken,
    unsafe: experiment.unsafe,
    faultModelExceeded: parts.faultModelExceeded,
    traceSha256: parts.traceSha256,
    messages: parts.messages,
    messagesPerOp: total === 0 ? 0 : parts.messages.sent / total,
  };
  const expectations = experiment.expect.map((expr) => evaluateExpectation(expr, partial));
  return { ...partial, expectations };
}
