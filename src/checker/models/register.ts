import type { RecordInput, RecordOutput, Value } from '../../history/formats/record';
import { hashValue, illegal, type Model, type StepResult } from '../model';

/**
 * How a register history is to be read. The three sources disagree on two points (FORMATS.md):
 * - etcd logs (Porcupine's `etcdModel`): a read of nil means "the key is absent", and a failed
 *   cas means "the comparison failed" (it did execute).
 * - Knossos (`knossos.history/preprocess` and `cas-register`): a read of nil is a read whose
 *   value is unknown, and a `:fail` means the operation did not happen.
 * - the lab (ARCHITECTURE §9): a read of null means "never written", and a fail means "not applied".
 */
export type RegisterSemantics = 'etcd' | 'knossos' | 'lab';

export interface RegisterModelOptions {
  /** The value before any write; null is nil / absent. */
  readonly initial: Value;
  readonly semantics: RegisterSemantics;
  /** `register` refuses cas operations; `cas-register` and `kv-cas-register` accept them. */
  readonly name: 'register' | 'cas-register' | 'kv-cas-register';
}

/** The register model's extra: whether it can check an operation at all. */
export interface RegisterModel extends Model<Value, RecordInput, RecordOutput> {
  accepts(input: RecordInput): boolean;
}

/** The stand-in for values no operation observes (a string no history can contain). */
const unobservedValue = '\u0000unobserved';

const describeValue = (value: Value): string =>
  value === unobservedValue ? 'a value no read returns' : value === null ? 'absent' : typeof value === 'string' ? JSON.stringify(value) : String(value);

/**
 * A read/write/compare-and-set register, one per key (a history without keys is one
 * register). Linearizability is local (Herlihy & Wing §3.3), so each key is its own partition.
 */
export function registerModel(options: RegisterModelOptions): RegisterModel {
  const nilReadIsUnknown = options.semantics === 'knossos';
  const failMeansCompareFailed = options.semantics === 'etcd';
  const keyPrefix = (input: RecordInput): string => (input.key === null ? '' : `${input.key}: `);

  const isNoOperation = (input: RecordInput, output: RecordOutput): boolean => {
    if (input.f === 'read') {
      // A read that failed or timed out observed nothing; Knossos's nil read likewise.
      if (output.type !== 'ok') return true;
      return nilReadIsUnknown && (output.value === null || output.value === undefined);
    }
    return output.type === 'fail' && !(failMeansCompareFailed && input.f === 'cas');
  };

  return {
    name: options.name,
    init: () => options.initial,
    accepts: (input) => input.f === 'read' || input.f === 'write' || (input.f === 'cas' && options.name !== 'register'),
    partition: (input) => input.key ?? '',
    isNoOperation,
    isReadOnly: (input, output) => input.f === 'read' || (input.f === 'cas' && output.type === 'fail' && failMeansCompareFailed),
    step(state: Value, input: RecordInput, output: RecordOutput): StepResult<Value> {
      switch (input.f) {
        case 'read': {
          if (isNoOperation(input, output)) return { ok: true, state };
          const value = output.type === 'ok' ? (output.value ?? null) : null;
          return value === state ? { ok: true, state } : illegal;
        }
        case 'write':
          return { ok: true, state: input.value };
        case 'cas':
          if (output.type === 'fail') return state !== input.from ? { ok: true, state } : illegal;
          return state === input.from ? { ok: true, state: input.to } : illegal;
        default:
          return illegal;
      }
    },
    equal: (left, right) => left === right,
    hash: hashValue,
    simplify(operations) {
      // A value that no read returns and no cas compares against is "unobserved": every
      // step treats all such values alike (unequal to anything an operation looks for). So:
      // 1. an unknown-outcome write or cas of an unobserved value can be dropped: if it took
      //    effect, the next operation that is not a no-op must be a write that hides it, so
      //    leaving it out changes no verdict. Not under etcd semantics when failed cas
      //    operations exist: they observe "not equal", which such a write could explain.
      //    Dropping one can leave another unobserved: an unknown-outcome cas from x to an
      //    unobserved value was all that observed x, so an unknown-outcome write of x goes next.
      //    Each drop keeps the verdict, so they repeat until none is left (swarm raft seed 10:
      //    59 unknown-outcome writes and cas on one key, 26 left by one pass and 2 by all,
      //    and a search that had run out of time decided at once).
      // 2. otherwise, every unobserved value is replaced by one stand-in, so states that differ
      //    only in which unobserved value they hold become one memo entry.
      const observedIn = (list: readonly (typeof operations)[number][]): Set<Value> => {
        const observed = new Set<Value>([options.initial, null]);
        for (const { input, output } of list) {
          if (input.f === 'read' && output.type === 'ok' && !isNoOperation(input, output)) observed.add(output.value ?? null);
          if (input.f === 'cas') observed.add(input.from);
        }
        return observed;
      };
      const hasCompareFailed = failMeansCompareFailed && operations.some(({ input, output }) => input.f === 'cas' && output.type === 'fail');
      if (!hasCompareFailed) {
        let kept = [...operations];
        for (;;) {
          const observed = observedIn(kept);
          const next = kept.filter(({ input, output }) => {
            if (output.type !== 'info') return true;
            const written = input.f === 'write' ? input.value : input.f === 'cas' ? input.to : null;
            return observed.has(written);
          });
          if (next.length === kept.length) return kept;
          kept = next;
        }
      }
      const observed = observedIn(operations);
      const isUnobserved = (value: Value): boolean => !observed.has(value);
      return operations.map((operation) => {
        const input = operation.input;
        if (input.f === 'write' && isUnobserved(input.value)) return { ...operation, input: { ...input, value: unobservedValue } };
        if (input.f === 'cas' && isUnobserved(input.to)) return { ...operation, input: { ...input, to: unobservedValue } };
        return operation;
      });
    },
    observedValue(input, output) {
      if (output.type !== 'ok') return undefined;
      if (input.f === 'read') return isNoOperation(input, output) ? undefined : JSON.stringify(output.value ?? null);
      if (input.f === 'cas') return JSON.stringify(input.from);
      return undefined;
    },
    writtenValue: (input) => (input.f === 'write' ? JSON.stringify(input.value) : input.f === 'cas' ? JSON.stringify(input.to) : undefined),
    describeOperation(input, output) {
      const outcome = output.type === 'info' ? ' (outcome unknown)' : output.type === 'fail' ? ' (failed)' : '';
      switch (input.f) {
        case 'read':
          return `${keyPrefix(input)}read ${output.type === 'ok' ? describeValue(output.value ?? null) : '?'}${outcome}`;
        case 'write':
          return `${keyPrefix(input)}write ${describeValue(input.value)}${outcome}`;
        case 'cas':
          return `${keyPrefix(input)}cas ${describeValue(input.from)}→${describeValue(input.to)}${outcome}`;
        default:
          return `${keyPrefix(input)}${input.f} (not a register operation)`;
      }
    },
    describeState: describeValue,
    explainIllegal(state, input, output) {
      const holds = `the register holds ${describeValue(state)}`;
      switch (input.f) {
        case 'read':
          return `read ${describeValue(output.type === 'ok' ? (output.value ?? null) : null)}, but ${holds}`;
        case 'cas':
          return output.type === 'fail'
            ? `cas ${describeValue(input.from)}→${describeValue(input.to)} failed its comparison, but ${holds}`
            : `cas ${describeValue(input.from)}→${describeValue(input.to)} needs ${describeValue(input.from)}, but ${holds}`;
        default:
          return `${input.f} cannot be applied to a register holding ${describeValue(state)}`;
      }
    },
  };
}
