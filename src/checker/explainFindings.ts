import type { Operation } from '../history/operation';
import type { Violation, ViolationKind } from './oracle';
import { countedViolations, oracleKinds } from './violationKinds';

/**
 * Why the oracle and the checker can disagree, per key (ARCHITECTURE §6). The oracle judges
 * operations against the truth order — the order the log gave the writes, which only the
 * simulator's omniscient view knows. The checker sees the history alone and accepts a key when
 * *some* order consistent with real time explains every answer. So an oracle finding on a key the
 * checker accepts is no contradiction when the history leaves room for another order:
 * - a lost write that no read observed linearizes just before the write that overwrote it;
 * - a lost write that reads did observe looks, in the history, like a write later overwritten;
 * - a write that timed out (`info`) may be placed anywhere after its call;
 * - two writes that overlapped in real time may be ordered either way (the log chose one).
 * A finding the history alone proves — the value read was written strictly before the operation it
 * should follow — contradicts a "linearizable" verdict: one of the two is wrong, a bug to report.
 */

/** Why one finding stands beside the checker's verdict on its key. */
export type FindingReason =
  /** Lost write no read observed: it linearizes just before the write that overwrote it. */
  | 'unobserved'
  /** Lost write reads observed, then saw overwritten by a write that overlapped or followed it. */
  | 'overwritten'
  /** Lost write after which no read returned another value: nothing in the history shows it gone. */
  | 'unread'
  /** The write the finding turns on timed out (`info`): it may be placed anywhere after its call. */
  | 'indeterminate'
  /** The value read was written by a write overlapping, in real time, the one it should precede. */
  | 'concurrent'
  /** The checker rejects the key too. */
  | 'agrees'
  /** The checker did not decide the key (not checked, or out of time). */
  | 'undecided'
  /** The history alone proves this finding, yet the checker called the key linearizable: a bug. */
  | 'contradicting';

export type KeyVerdict = 'linearizable' | 'not linearizable' | 'undecided' | 'not checked';

export interface FindingGroup {
  readonly kind: ViolationKind;
  readonly reason: FindingReason;
  readonly count: number;
  /** The findings' first operations (the offending one of each), at most `operationsShownMax`. */
  readonly operations: readonly number[];
}

/** One key with oracle findings: the checker's verdict, the findings grouped by why, and a sentence. */
export interface KeyExplanation {
  readonly key: string;
  readonly checker: KeyVerdict;
  readonly findings: Readonly<Record<ViolationKind, number>>;
  readonly groups: readonly FindingGroup[];
  /** Findings the history alone proves on a key the checker accepted (a bug in one of them). */
  readonly contradicting: number;
  readonly sentence: string;
}

export const operationsShownMax = 5;

/** The checker's verdict per key from the end-of-run check (null: no check ran). */
export interface CheckerKeys {
  readonly failedKeys: ReadonlySet<string>;
  /** Keys it could not decide; null when only their number is known (then every key it did not fail is undecided). */
  readonly unknownKeys: ReadonlySet<string> | null;
}

export function keyVerdict(key: string, checker: CheckerKeys | null): KeyVerdict {
  if (checker === null) return 'not checked';
  if (checker.failedKeys.has(key)) return 'not linearizable';
  if (checker.unknownKeys === null || checker.unknownKeys.has(key)) return 'undecided';
  return 'linearizable';
}

/** The value each write or cas puts (values are unique within a history). */
function writtenValue(operation: Operation): string | null {
  if (operation.input.f === 'write') return operation.input.value;
  if (operation.input.f === 'cas') return operation.input.to;
  return null;
}

class KeyHistory {
  readonly writerOf = new Map<string, Operation>();
  readonly byId = new Map<number, Operation>();
  constructor(readonly operations: readonly Operation[]) {
    for (const operation of operations) {
      this.byId.set(operation.id, operation);
      const value = writtenValue(operation);
      // A cas that definitely failed wrote nothing.
      if (value !== null && operation.output.type !== 'fail') this.writerOf.set(value, operation);
    }
  }

  /**
   * Whether the history lets the writer of `value` be ordered after operation `before`: it timed
   * out (anywhere after its call), or it did not complete before `before` began (they overlap or it
   * came later). The initial value (null) comes before everything.
   */
  follows(value: string | null, before: Operation): FindingReason {
    if (value === null) return 'contradicting';
    const writer = this.writerOf.get(value);
    if (writer === undefined) return 'contradicting'; // a value nobody wrote: the checker cannot accept it either
    if (writer.output.type === 'info' || writer.return === null) return 'indeterminate';
    return writer.return < before.call ? 'contradicting' : 'concurrent';
  }

  lostWrite(write: Operation): FindingReason {
    const value = writtenValue(write);
    const readsOfIt = this.operations.some((operation) => operation.input.f === 'read' && operation.output.type === 'ok' && (operation.output.value ?? null) === value);
    // The first read begun after the write returned that shows another value: what overwrote it.
    const after = this.operations
      .filter((operation) => operation.input.f === 'read' && operation.output.type === 'ok' && write.return !== null && operation.call > write.return && (operation.output.value ?? null) !== value)
      .sort((a, b) => a.call - b.call)[0];
    if (after === undefined || after.output.type !== 'ok') return 'unread';
    const overwriter = this.follows(after.output.value ?? null, write);
    if (overwriter !== 'concurrent') return overwriter;
    return readsOfIt ? 'overwritten' : 'unobserved';
  }

  /** The reason for one oracle finding (see the oracle for each kind's operations). */
  reason(violation: Violation): FindingReason {
    const [first, second] = violation.operations.map((id) => this.byId.get(id));
    if (first === undefined) return 'contradicting';
    if (violation.kind === 'lostWrite') return this.lostWrite(first);
    // Stale read [read, newer write …], monotonic read [read, earlier read], read-your-writes [read, own write]:
    // the value read must be ordered after the second operation.
    if (second === undefined || first.output.type !== 'ok') return 'contradicting';
    return this.follows(first.output.value ?? null, second);
  }
}

const phrases: Readonly<Record<ViolationKind, Partial<Record<FindingReason, string>>>> = {
  lostWrite: {
    unobserved: '{were} never observed by any read, so they linearize just before the write that overwrote them',
    overwritten: '{were} read, then overwritten by a write that overlapped or followed them: the history cannot tell an overwrite from the log losing them',
    unread: '{were} followed by no read of another value, so nothing in the history shows them gone',
    indeterminate: '{were} overwritten, in the history, by a timed-out write, which may be placed anywhere after its call',
  },
  staleRead: {
    indeterminate: 'returned the value of a timed-out write, which may be placed anywhere after its call, so after the newer write',
    concurrent: 'returned the value of a write that overlapped the newer write in real time, so the checker may order it after (the log ordered it before)',
  },
  monotonicRead: {
    indeterminate: 'returned the value of a timed-out write, which may be placed after the client\'s earlier read',
    concurrent: 'returned the value of a write still in progress when the client\'s earlier read began, so the checker may order it after that read',
  },
  readYourWrites: {
    indeterminate: 'returned the value of a timed-out write, which may be placed after the client\'s own write',
    concurrent: 'returned the value of a write that overlapped the client\'s own write, so the checker may order it after',
  },
};

function groupSentence(group: FindingGroup): string {
  const counted = countedViolations(group.kind, group.count);
  if (group.reason === 'contradicting') return `BUG: ${counted} the history alone proves (e.g. operation ${group.operations[0]}), yet the checker calls the key linearizable: one of them is wrong`;
  return `${counted} ${(phrases[group.kind][group.reason] ?? '').replace('{were}', group.count === 1 ? 'was' : 'were')}`.trim();
}

/** The findings on one key, explained against the checker's verdict for it. */
export function explainKey(key: string, operations: readonly Operation[], violations: readonly Violation[], checker: KeyVerdict): KeyExplanation {
  const findings = Object.fromEntries(oracleKinds.map((kind) => [kind, violations.filter((violation) => violation.kind === kind).length])) as Record<ViolationKind, number>;
  const history = new KeyHistory(operations);
  const grouped = new Map<string, { kind: ViolationKind; reason: FindingReason; count: number; operations: number[] }>();
  for (const violation of violations) {
    const reason = checker === 'linearizable' ? history.reason(violation) : checker === 'not linearizable' ? 'agrees' : 'undecided';
    const id = `${violation.kind}/${reason}`;
    const group = grouped.get(id) ?? { kind: violation.kind, reason, count: 0, operations: [] };
    group.count++;
    if (group.operations.length < operationsShownMax) group.operations.push(violation.operations[0] as number);
    grouped.set(id, group);
  }
  const groups = [...grouped.values()].sort((a, b) => oracleKinds.indexOf(a.kind) - oracleKinds.indexOf(b.kind) || a.reason.localeCompare(b.reason));
  const contradicting = groups.filter((group) => group.reason === 'contradicting').reduce((sum, group) => sum + group.count, 0);
  const found = oracleKinds.filter((kind) => findings[kind] > 0).map((kind) => countedViolations(kind, findings[kind])).join(', ');
  let sentence: string;
  if (checker === 'not linearizable') sentence = `key ${key}: the checker rejects this key too; the oracle counts ${found}`;
  else if (checker === 'undecided') sentence = `key ${key}: the checker did not decide this key in its time budget; the oracle counts ${found}`;
  else if (checker === 'not checked') sentence = `key ${key}: the history was not checked; the oracle counts ${found}`;
  else sentence = `key ${key}: linearizable (checker) beside ${found}: ${groups.map(groupSentence).join('; ')}`;
  return { key, checker, findings, groups, contradicting, sentence };
}

/** Every key with oracle findings, in key order, explained against the checker's per-key verdict. */
export function explainFindings(operations: readonly Operation[], violations: readonly Violation[], checker: CheckerKeys | null): KeyExplanation[] {
  const keys = [...new Set(violations.map((violation) => violation.key))].sort();
  return keys.map((key) =>
    explainKey(
      key,
      operations.filter((operation) => operation.input.key === key),
      violations.filter((violation) => violation.key === key),
      keyVerdict(key, checker),
    ),
  );
}

/** The oracle's counts per key (`violationsByKey` in the summary). */
export function violationsByKey(violations: readonly Violation[]): Record<string, Record<ViolationKind, number>> {
  const counts: Record<string, Record<ViolationKind, number>> = {};
  for (const violation of [...violations].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    const row = (counts[violation.key] ??= { staleRead: 0, lostWrite: 0, monotonicRead: 0, readYourWrites: 0 });
    row[violation.kind]++;
  }
  return counts;
}

/**
 * The per-key verdict of an end-of-run check: failed keys from its failures, undecided ones by
 * name when it names them. A verdict that only counts is exact when it found nothing.
 */
export function checkerKeys(verdict: { readonly failedKeys: number; readonly unknownKeys: number; readonly failures?: ReadonlyArray<{ readonly key: string }>; readonly unknownKeyNames?: readonly string[] } | null): CheckerKeys | null {
  if (verdict === null) return null;
  const failedKeys = new Set((verdict.failures ?? []).map((failure) => failure.key));
  const exact = failedKeys.size === verdict.failedKeys && (verdict.unknownKeys === 0 || verdict.unknownKeyNames !== undefined);
  if (!exact) return { failedKeys, unknownKeys: null };
  return { failedKeys, unknownKeys: new Set(verdict.unknownKeyNames ?? []) };
}
