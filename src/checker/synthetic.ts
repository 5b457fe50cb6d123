import { assert } from '../base/assert';
import type { Prng } from '../base/prng';
import type { Operation, OperationInput, OperationOutput } from '../history/operation';

export interface SyntheticHistoryOptions {
  readonly operationCount: number;
  readonly keyCount: number;
  readonly clientCount: number;
  /** Probability that an operation times out (`info`); half of those took effect anyway. */
  readonly infoProbability: number;
  /** Longest operation, µs (the shortest is 1 µs). */
  readonly durationMicrosecondsMax: number;
}

/**
 * A linearizable lab history by construction: each client runs operations one after another;
 * every operation gets a linearization point inside its interval; the operations are then
 * applied to per-key registers in the order of those points, which decides what reads return
 * and whether a cas succeeds. Timed-out operations return at +∞ and take effect or not.
 * Used by the property tests, the large-history test and the `checker-large` benchmark.
 */
export function syntheticLabHistory(options: SyntheticHistoryOptions, prng: Prng): Operation[] {
  assert(options.operationCount >= 0 && options.keyCount >= 1 && options.clientCount >= 1, 'synthetic history: bad sizes');
  interface Planned {
    clientId: number;
    call: number;
    return: number;
    point: number;
    input: OperationInput;
    timedOut: boolean;
    applied: boolean;
    output?: OperationOutput;
  }
  const planned: Planned[] = [];
  const clientTime = Array.from({ length: options.clientCount }, () => prng.int(0, 20));
  const sequence = new Array<number>(options.clientCount).fill(0);
  const writtenByKey = new Map<string, string[]>();
  for (let index = 0; index < options.operationCount; index++) {
    const client = prng.int(0, options.clientCount - 1);
    const call = clientTime[client]! + prng.int(0, 20);
    const duration = prng.int(1, options.durationMicrosecondsMax);
    const point = call + prng.int(0, duration);
    clientTime[client] = call + duration + 1;
    const key = `k${prng.int(1, options.keyCount)}`;
    const value = `c${client + 1}-${++sequence[client]!}`;
    const draw = prng.float();
    let input: OperationInput;
    if (draw < 0.5) input = { f: 'read', key };
    else if (draw < 0.9) input = { f: 'write', key, value };
    else input = { f: 'cas', key, from: null, to: value }; // `from` is chosen when applied
    const timedOut = prng.chance(options.infoProbability);
    planned.push({ clientId: client + 1, call, return: call + duration, point, input, timedOut, applied: !timedOut || prng.chance(0.5) });
  }
  const registers = new Map<string, string | null>();
  for (const operation of [...planned].sort((left, right) => left.point - right.point)) {
    const current = registers.get(operation.input.key) ?? null;
    const input = operation.input;
    if (input.f === 'read') {
      operation.output = operation.timedOut ? { type: 'info' } : { type: 'ok', value: current };
      continue;
    }
    if (input.f === 'write') {
      if (operation.applied) {
        registers.set(input.key, input.value);
        const written = writtenByKey.get(input.key) ?? [];
        written.push(input.value);
        writtenByKey.set(input.key, written);
      }
      operation.output = operation.timedOut ? { type: 'info' } : { type: 'ok' };
      continue;
    }
    // cas: usually compares against the current value; sometimes against an older one and fails.
    const older = writtenByKey.get(input.key) ?? [];
    const compareWithCurrent = prng.chance(0.7) || older.length === 0;
    const from = compareWithCurrent ? current : prng.pick(older);
    operation.input = { ...input, from };
    const succeeds = from === current && operation.applied;
    if (succeeds) registers.set(input.key, input.to);
    operation.output = operation.timedOut ? { type: 'info' } : succeeds ? { type: 'ok' } : { type: 'fail' };
  }
  return planned
    .sort((left, right) => left.call - right.call)
    .map((operation, id) => ({
      id,
      clientId: operation.clientId,
      call: operation.call,
      return: operation.timedOut ? null : operation.return,
      input: operation.input,
      output: operation.output!,
    }));
}
