/** One `expect` line and whether it held. */
export interface ExpectationResult {
  readonly expr: string;
  readonly holds: boolean;
  /** The metric's value (a model's status for a `models.*` line), or null when the summary has no such value. */
  readonly actual: number | string | null;
}

/**
 * The statuses a `models.<model>` line may compare with (`models.readYourWrites == holds`): the
 * consistency map's verdicts (checker/consistencyMap.ts), "not checked" written with a dash.
 */
export const modelStatuses = ['holds', 'violated', 'unknown', 'not-checked'] as const;
/** The models a `models.*` line may name. */
export const expectModels = ['linearizable', 'sequentialPerKey', 'readYourWrites', 'monotonicReads', 'monotonicWrites', 'writesFollowReads'] as const;
const modelPattern = /^\s*models\.([A-Za-z]+)\s*(==|!=)\s*(holds|violated|unknown|not-checked)\s*$/;

/** Whether the line is a `models.*` expectation. */
export function isModelExpectation(expr: string): boolean {
  return modelPattern.test(expr);
}

/**
 * The metrics an `expect` line may name (ARCHITECTURE §7): the numbers of the run summary
 * (src/experiment/summary.ts), dotted; a list counts its items, a flag is 0 or 1. An experiment
 * naming anything else is refused when it loads.
 */
export const expectMetrics = [
  'durationMs',
  'ops.ok',
  'ops.fail',
  'ops.info',
  'availability',
  'availabilityBySide.majority',
  'availabilityBySide.minority',
  'offered.ops',
  'offered.served',
  'offered.missed',
  'offeredOpsPerSec',
  'throughputOpsPerSec',
  'latencyMs.p50',
  'latencyMs.p95',
  'latencyMs.p99',
  'latencyMs.max',
  'latencyMsUncorrected.p50',
  'latencyMsUncorrected.p95',
  'latencyMsUncorrected.p99',
  'latencyMsUncorrected.max',
  'violations.linearizability',
  'violations.staleRead',
  'violations.lostWrite',
  'violations.monotonicRead',
  'violations.readYourWrites',
  'violations.divergence',
  'linearizabilityUnknownKeys',
  'invariantsBroken',
  'faultModelExceeded',
  'messages.sent',
  'messages.delivered',
  'messages.dropped',
  'messages.duplicated',
  'messagesPerOp',
] as const;

/** The metric an expectation names, or null when it does not read "<metric> <op> <number>". */
export function expectationMetric(expr: string): string | null {
  return pattern.exec(expr)?.[1] ?? modelPattern.exec(expr)?.[1] ?? null;
}

const pattern = /^\s*([A-Za-z][\w.]*)\s*(==|!=|<=|>=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;

/** The number at a dotted path of the summary (`violations.staleRead`), or null. */
export function metricValue(summary: unknown, path: string): number | null {
  let value: unknown = summary;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || !(part in value)) return null;
    value = (value as Record<string, unknown>)[part];
  }
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0; // e.g. faultModelExceeded == 1
  if (Array.isArray(value)) return value.length; // e.g. invariantsBroken
  return null;
}

/** Evaluates "<metric> <op> <number>" against a run summary. A missing metric never holds. */
export function evaluateExpectation(expr: string, summary: unknown): ExpectationResult {
  const model = modelPattern.exec(expr);
  if (model !== null) {
    const [, name, operator, status] = model as unknown as [string, string, string, string];
    const verdict = (summary as { models?: Record<string, { status?: unknown } | undefined> } | null)?.models?.[name]?.status;
    if (typeof verdict !== 'string') return { expr, holds: false, actual: null };
    const actual = verdict.replace(' ', '-');
    return { expr, holds: operator === '==' ? actual === status : actual !== status, actual };
  }
  const parsed = pattern.exec(expr);
  if (parsed === null) return { expr, holds: false, actual: null };
  const [, path, operator, number] = parsed as unknown as [string, string, string, string];
  const actual = metricValue(summary, path);
  if (actual === null) return { expr, holds: false, actual };
  const expected = Number(number);
  const holds =
    operator === '==' ? actual === expected
    : operator === '!=' ? actual !== expected
    : operator === '<=' ? actual <= expected
    : operator === '>=' ? actual >= expected
    : operator === '<' ? actual < expected
    : actual > expected;
  return { expr, holds, actual };
}
