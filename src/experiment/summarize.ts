import { checkerKeys, explainFindings, violationsByKey } from '../checker/explainFindings';
import { labModels, type LabHistoryVerdict } from '../checker/labHistory';
import type { Violation } from '../checker/oracle';
import type { VersionOrder } from '../checker/session';
import { latencyHistogram, percentilesMs, type ServiceTotals } from '../metrics/service';
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
  /** The end-of-run check's verdict (with its failures, for the consistency map); null when it was not run. */
  readonly linearizability: LabHistoryVerdict | { readonly failedKeys: number; readonly unknownKeys: number } | null;
  /** Each key's version order as the log decided it (the oracle), for the session checks; absent: inferred. */
  readonly versionOrder?: VersionOrder;
  /** False: the session guarantees are left "not checked" (`RunCoreOptions.sessionGuarantees`). */
  readonly sessionGuarantees?: boolean;
  /** The clients' side of the metrics: offered, served, missed, by side, corrected latency. */
  readonly service: ServiceTotals;
  readonly invariantsBroken: readonly string[];
  readonly faultModelExceeded: boolean;
  readonly traceSha256: string;
  readonly messages: RunSummary['messages'];
}

/**
 * The summary of a finished run (ARCHITECTURE §11), shared by the simulator's run controller and the
 * live worker-thread runtime so both report the same numbers the same way.
 */
export function summarizeRun(parts: SummaryParts): RunSummary {
  const experiment = parts.experiment;
  const ops = outcomeCounts(parts.operations);
  const uncorrected = latencyHistogram(3);
  for (const operation of parts.operations) {
    if (operation.output.type === 'ok' && operation.return !== null) uncorrected.recordValue(Math.max(1, operation.return - operation.call));
  }
  const total = ops.ok + ops.fail + ops.info;
  const count = (kind: Violation['kind']) => parts.violations.filter((violation) => violation.kind === kind).length;
  const service = parts.service;
  const fraction = (served: number, offered: number) => (offered === 0 ? null : served / offered);
  const notMeasured: Record<string, string> = {};
  const durationMs = experiment.stoppedAtMs ?? experiment.durationMs;
  const availability = fraction(service.served, service.offered);
  if (availability === null) notMeasured.availability = 'no operations';
  const bySide = { majority: fraction(service.bySide.majority.served, service.bySide.majority.offered), minority: fraction(service.bySide.minority.served, service.bySide.minority.offered) };
  for (const side of ['majority', 'minority'] as const) {
    if (bySide[side] !== null) continue;
    notMeasured[`availabilityBySide.${side}`] = service.bySide.majority.offered + service.bySide.minority.offered === 0 ? 'no partition' : `no client on the ${side} side`;
  }
  const latencyMsUncorrected = percentilesMs(uncorrected);
  uncorrected.destroy();
  if (service.latencyMs === null) notMeasured.latencyMs = 'no ok operations';
  if (latencyMsUncorrected === null) notMeasured.latencyMsUncorrected = 'no ok operations';
  const checked = parts.linearizability;
  const linearizability = checked === null || (checked.failedKeys === 0 && checked.unknownKeys > 0) ? null : checked.failedKeys;
  if (checked === null) notMeasured['violations.linearizability'] = 'not checked';
  else if (linearizability === null) notMeasured['violations.linearizability'] = 'checker timed out';
  const partial = {
    experiment: experiment.name,
    protocol: experiment.protocol,
    runtime: parts.runtime,
    seed: experiment.seed,
    durationMs,
    ops,
    availability,
    availabilityBySide: bySide,
    offered: { ops: service.offered, served: service.served, missed: service.missed, majority: { ops: service.bySide.majority.offered, served: service.bySide.majority.served }, minority: { ops: service.bySide.minority.offered, served: service.bySide.minority.served } },
    offeredOpsPerSec: service.offered / (durationMs / 1000),
    throughputOpsPerSec: ops.ok / (durationMs / 1000),
    latencyMs: service.latencyMs,
    latencyMsUncorrected,
    violations: {
      linearizability,
      staleRead: count('staleRead'),
      lostWrite: count('lostWrite'),
      monotonicRead: count('monotonicRead'),
      readYourWrites: count('readYourWrites'),
      divergence: parts.divergentKeys.length,
    },
    violationsByKey: violationsByKey(parts.violations),
    keyExplanations: explainFindings(parts.operations, parts.violations, checkerKeys(checked)),
    linearizabilityUnknownKeys: checked?.unknownKeys ?? 0,
    models: labModels(parts.operations, checked !== null && 'failures' in checked ? checked : null, parts.versionOrder, parts.sessionGuarantees ?? true),
    notMeasured,
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
