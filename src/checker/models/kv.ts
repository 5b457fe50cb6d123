import type { RecordInput, RecordOutput } from '../../history/formats/record';
import { hashString, illegal, type Model, type StepResult } from '../model';

/** A model over get/put/append that can say which operations it checks. */
export interface KvModel<State> extends Model<State, RecordInput, RecordOutput> {
  accepts(input: RecordInput): boolean;
}

const accepts = (input: RecordInput): boolean => input.f === 'get' || input.f === 'put' || input.f === 'append';
const isNoOperation = (input: RecordInput, output: RecordOutput): boolean => (input.f === 'get' && output.type !== 'ok') || output.type === 'fail';
const keyOf = (input: RecordInput): string => input.key ?? '';

function describeOperation(input: RecordInput, output: RecordOutput): string {
  const outcome = output.type === 'info' ? ' (outcome unknown)' : output.type === 'fail' ? ' (failed)' : '';
  switch (input.f) {
    case 'get':
      return `get ${keyOf(input)} → ${output.type === 'ok' ? JSON.stringify(output.value ?? '') : '?'}${outcome}`;
    case 'put':
      return `put ${keyOf(input)} ${JSON.stringify(input.value)}${outcome}`;
    case 'append':
      return `append ${keyOf(input)} ${JSON.stringify(input.value)}${outcome}`;
    default:
      return `${input.f} ${keyOf(input)} (not a kv operation)`;
  }
}

/** get → s is legal iff the value is s; put replaces; append concatenates (FORMATS.md F2). */
function stepString(state: string, input: RecordInput, output: RecordOutput): StepResult<string> {
  switch (input.f) {
    case 'get':
      if (output.type !== 'ok') return { ok: true, state };
      return (output.value ?? '') === state ? { ok: true, state } : illegal;
    case 'put':
      return { ok: true, state: input.value };
    case 'append':
      return { ok: true, state: state + input.value };
    default:
      return illegal;
  }
}

const describeString = (state: string): string => JSON.stringify(state);

/**
 * A string with its polynomial hash (base 31, mod 2^32), kept incrementally: appending `v`
 * costs O(|v|) instead of rehashing the whole, ever longer, value on every step.
 */
interface HashedString {
  readonly text: string;
  readonly hash: number;
}

function polynomialHash(text: string): number {
  let hash = 0;
  for (let index = 0; index < text.length; index++) hash = (Math.imul(hash, 31) + text.charCodeAt(index)) | 0;
  return hash;
}

function power31(exponent: number): number {
  let result = 1;
  for (let index = 0; index < exponent; index++) result = Math.imul(result, 31);
  return result;
}

/** Porcupine's `kvModel`: one string register per key, initially "", checked per key. */
export function kvModel(): KvModel<HashedString> {
  const empty: HashedString = { text: '', hash: 0 };
  return {
    name: 'kv',
    init: () => empty,
    accepts,
    partition: keyOf,
    isNoOperation,
    isReadOnly: (input) => input.f === 'get',
    step(state, input, output) {
      switch (input.f) {
        case 'get':
          if (output.type !== 'ok') return { ok: true, state };
          return (output.value ?? '') === state.text ? { ok: true, state } : illegal;
        case 'put':
          return { ok: true, state: { text: input.value, hash: polynomialHash(input.value) } };
        case 'append':
          return {
            ok: true,
            state: { text: state.text + input.value, hash: (Math.imul(state.hash, power31(input.value.length)) + polynomialHash(input.value)) | 0 },
          };
        default:
          return illegal;
      }
    },
    equal: (left, right) => left.hash === right.hash && left.text === right.text,
    hash: (state) => state.hash,
    describeOperation,
    describeState: (state) => describeString(state.text),
    explainIllegal: (state, input, output) =>
      input.f === 'get' ? `got ${JSON.stringify(output.type === 'ok' ? (output.value ?? '') : '')}, but ${keyOf(input)} holds ${JSON.stringify(state.text)}` : `${input.f} cannot be applied`,
  };
}

/**
 * Porcupine's `kvNoPartitionModel`: the same operations on one map holding every key, with no
 * partitioning. Much slower (the whole history is one search) and kept as a stress test.
 */
export function kvSingleMapModel(): KvModel<ReadonlyMap<string, string>> {
  const valueOf = (state: ReadonlyMap<string, string>, key: string): string => state.get(key) ?? '';
  return {
    name: 'kv-single-map',
    init: () => new Map<string, string>(),
    accepts,
    isNoOperation,
    isReadOnly: (input) => input.f === 'get',
    step(state, input, output) {
      const key = keyOf(input);
      const result = stepString(valueOf(state, key), input, output);
      if (!result.ok) return illegal;
      if (result.state === valueOf(state, key)) return { ok: true, state };
      const nextState = new Map(state);
      nextState.set(key, result.state);
      return { ok: true, state: nextState };
    },
    equal(left, right) {
      const keys = new Set([...left.keys(), ...right.keys()]);
      for (const key of keys) if (valueOf(left, key) !== valueOf(right, key)) return false;
      return true;
    },
    hash(state) {
      // Order-independent: XOR of per-key hashes; an empty value hashes like an absent key.
      let hash = 0;
      for (const [key, value] of state) if (value !== '') hash ^= Math.imul(hashString(key), 31) ^ hashString(value);
      return hash;
    },
    describeOperation,
    describeState: (state) => `{${[...state].map(([key, value]) => `${key}: ${JSON.stringify(value)}`).join(', ')}}`,
    explainIllegal: (state, input, output) =>
      input.f === 'get'
        ? `got ${JSON.stringify(output.type === 'ok' ? (output.value ?? '') : '')}, but ${keyOf(input)} holds ${JSON.stringify(valueOf(state, keyOf(input)))}`
        : `${input.f} cannot be applied`,
  };
}
