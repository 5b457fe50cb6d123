import type { ParsedHistory } from '../history/formats/parsed';
import type { Value } from '../history/formats/record';
import { checkLinearizability, CheckerInputError, type CheckOptions, type CheckResult } from './linearizability';
import { createModel, type ModelName } from './models';
import { checkSequentialConsistency, type SequentialVerdict } from './sequential';
import { checkSessionGuarantee, sessionOrderRefutation, type SessionGuarantee } from './session';
import type { Counterexample } from './linearizability';
import type { UnknownReason } from './search';

/** What `caplab check --consistency` accepts: the two searches and the four session guarantees. */
export const consistencyChoices = ['linearizable', 'sequential', 'read-your-writes', 'monotonic-reads', 'monotonic-writes', 'writes-follow-reads'] as const;
export type ConsistencyChoice = (typeof consistencyChoices)[number];

const sessionGuaranteeOf: Record<string, SessionGuarantee> = {
  'read-your-writes': 'readYourWrites',
  'monotonic-reads': 'monotonicReads',
  'monotonic-writes': 'monotonicWrites',
  'writes-follow-reads': 'writesFollowReads',
};

/** What the user may override when checking a file (`caplab check --model --initial`). */
export interface HistoryCheckChoice {
  readonly model?: ModelName;
  /** The registers' initial value; `undefined` keeps the format's default. */
  readonly initial?: Value;
}

/**
 * Checks a history read from a file with the model its format implies, or the one chosen. The
 * format also decides how nil reads and failures are read (etcd logs, Knossos, the lab).
 */
export function checkParsedHistory(history: ParsedHistory, choice: HistoryCheckChoice, options: CheckOptions): CheckResult {
  return checkLinearizability(chooseModel(history, choice), history.operations, options);
}

function chooseModel(history: ParsedHistory, choice: HistoryCheckChoice) {
  const name = choice.model ?? history.defaults.model;
  const isKv = name === 'kv' || name === 'kv-single-map';
  const defaultsAreKv = history.defaults.model === 'kv';
  if (isKv !== defaultsAreKv && history.operations.length > 0) {
    const sample = history.operations[0]!.input.f;
    throw new CheckerInputError(`model ${name} cannot check this ${history.format} history: its operations are ${sample}${defaultsAreKv ? '/put/append' : '/write/cas'}`);
  }
  return createModel({ name, initial: choice.initial !== undefined ? choice.initial : history.defaults.initial, semantics: history.defaults.semantics });
}

/** The result of checking a file against a model other than linearizability. */
export interface ConsistencyCheckResult {
  readonly verdict: SequentialVerdict | 'holds' | 'violated';
  readonly unknownReason?: UnknownReason;
  readonly model: string;
  readonly operations: number;
  readonly partitions: number;
  readonly elapsedMs: number;
  readonly counterexample?: Counterexample;
  readonly violation?: { readonly key: string; readonly operations: readonly number[]; readonly explanation: string };
}

/**
 * Checks a history read from a file for sequential consistency per key or one session
 * guarantee (`caplab check --consistency`). A history the guarantee cannot judge (values that
 * repeat, append operations) is bad input, with the reason.
 */
export function checkParsedHistoryConsistency(history: ParsedHistory, choice: HistoryCheckChoice & { readonly consistency: Exclude<ConsistencyChoice, 'linearizable'> }, options: CheckOptions): ConsistencyCheckResult {
  const model = chooseModel(history, choice);
  if (choice.consistency === 'sequential') {
    const initial = choice.initial !== undefined ? choice.initial : history.defaults.initial;
    const registers = history.defaults.model !== 'kv';
    const refute = registers ? sessionOrderRefutation({ initial, nilReadIsUnknown: history.defaults.semantics === 'knossos' }) : undefined;
    const { memoEntries: _memo, operationsChecked: _checked, ...result } = checkSequentialConsistency(model, history.operations, { ...options, refute });
    return result;
  }
  const startMs = options.now();
  const initial = choice.initial !== undefined ? choice.initial : history.defaults.initial;
  const verdict = checkSessionGuarantee(sessionGuaranteeOf[choice.consistency]!, history.operations, { initial, nilReadIsUnknown: history.defaults.semantics === 'knossos' });
  if (verdict.status === 'not checked' || verdict.status === 'unknown') throw new CheckerInputError(`${choice.consistency} cannot be checked on this ${history.format} history: ${verdict.reason}`);
  const partitions = new Set(history.operations.map((operation) => operation.input.key ?? '')).size;
  const summary = { model: model.name, operations: history.operations.length, partitions, elapsedMs: options.now() - startMs };
  if (verdict.status === 'holds') return { verdict: 'holds', ...summary };
  return { verdict: 'violated', ...summary, violation: { key: verdict.key, operations: verdict.operations, explanation: verdict.explanation } };
}
