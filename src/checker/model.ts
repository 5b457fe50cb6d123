/**
 * The checker's model API, after Porcupine's `Model` (Athalye, "Porcupine: a fast
 * linearizability checker"): a sequential specification given as an initial state and a pure
 * `step`, plus what the search needs to memoise (`equal`, `hash`), to split a history into
 * independent parts (`partition`, P-compositionality: Herlihy & Wing §3.3, "linearizability is
 * a local property"), and to explain a counterexample in words.
 */

/** The result of applying one operation to a state. */
export type StepResult<State> = { readonly ok: true; readonly state: State } | { readonly ok: false };

/** What `simplify` may look at and rewrite. */
export interface SimplifiableOperation<Input, Output> {
  readonly input: Input;
  readonly output: Output;
  readonly return: number | null;
}

/** The one illegal result; models return it instead of allocating. */
export const illegal: StepResult<never> = Object.freeze({ ok: false });

export interface Model<State, Input, Output> {
  /** The name the CLI and reports use (`cas-register`, `kv`, …). */
  readonly name: string;
  /** The state before any operation. */
  init(): State;
  /**
   * Applies one operation: `ok` with the next state when the sequential specification allows
   * `input` to return `output` in `state`. Pure: never mutates `state`. For an operation whose
   * outcome is unknown (`info`) it says what the operation does if it took effect; the search
   * itself covers "it never took effect".
   */
  step(state: State, input: Input, output: Output): StepResult<State>;
  /** Exact state equality, used when two memo keys collide. */
  equal(left: State, right: State): boolean;
  /** A 32-bit hash of a state, consistent with `equal`, for memo keys. */
  hash(state: State): number;
  /** The independent part an operation belongs to (one register per key); absent: one part. */
  partition?(input: Input): string;
  /**
   * True when the operation can be removed without changing the verdict: it did not happen
   * (a `fail` that means "not applied"), or it cannot constrain any order (a read with an
   * unknown result). Absent: nothing is removed.
   */
  isNoOperation?(input: Input, output: Output): boolean;
  /**
   * True when the operation never changes the state where it is legal (a read). The search
   * then linearizes it as soon as it is legal, without trying alternatives: moving a
   * read-only operation to the earliest point where it is legal and real-time order allows
   * keeps every other step of a linearization valid. Absent: nothing is read-only.
   */
  isReadOnly?(input: Input, output: Output): boolean;
  /**
   * Rewrites one partition into a smaller or more symmetric one with the same verdict (each
   * model proves its own rewriting); records keep their ids. Absent: searched as given.
   */
  simplify?<Record extends SimplifiableOperation<Input, Output>>(operations: readonly Record[]): Record[];
  /**
   * The value an operation observed, as text (a read's result, a cas's comparand), or
   * undefined; the sequential search uses it to try a read where its value was current.
   */
  observedValue?(input: Input, output: Output): string | undefined;
  /** The value an operation writes if it takes effect, as text, or undefined. */
  writtenValue?(input: Input): string | undefined;
  /** One line, such as `write 3` or `cas 1→2 failed`. */
  describeOperation(input: Input, output: Output): string;
  /** One line, such as `1` or `absent`. */
  describeState(state: State): string;
  /** Why `step` refused: "read 3, but the register holds 1". Only called for counterexamples. */
  explainIllegal(state: State, input: Input, output: Output): string;
}

/** FNV-1a over a string: a cheap 32-bit hash for state values. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

/** A 32-bit hash of a register value; distinct for the string "3" and the integer 3. */
export function hashValue(value: string | number | bigint | null): number {
  if (value === null) return 0x2545f491;
  if (typeof value === 'bigint') return hashString(value.toString()) ^ 0x1b873593;
  if (typeof value === 'number') return Math.imul((value | 0) ^ ((value / 4294967296) | 0), 0x9e3779b1) ^ 0x68e31da4;
  return hashString(value);
}
