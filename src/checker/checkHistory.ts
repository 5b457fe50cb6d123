import type { ParsedHistory } from '../history/formats/parsed';
import type { Value } from '../history/formats/record';
import { checkLinearizability, CheckerInputError, type CheckOptions, type CheckResult } from './linearizability';
import { createModel, type ModelName } from './models';

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
  const name = choice.model ?? history.defaults.model;
  const isKv = name === 'kv' || name === 'kv-single-map';
  const defaultsAreKv = history.defaults.model === 'kv';
  if (isKv !== defaultsAreKv && history.operations.length > 0) {
    const sample = history.operations[0]!.input.f;
    throw new CheckerInputError(`model ${name} cannot check this ${history.format} history: its operations are ${sample}${defaultsAreKv ? '/put/append' : '/write/cas'}`);
  }
  const model = createModel({ name, initial: choice.initial !== undefined ? choice.initial : history.defaults.initial, semantics: history.defaults.semantics });
  return checkLinearizability(model, history.operations, options);
}
