import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunController } from '../../src/experiment/run';
import { pureTraceHasher, TraceDigest } from '../../src/run/digest';
import { validateExperiment } from '../../src/experiment/schema';
import type { TraceEvent } from '../../src/history/trace';
import { nativeTraceHasher } from '../../workers/runOptions';

/** What `sha256sum trace.jsonl` prints for these events: one JSON.stringify line each. */
function fileSha256(events: readonly unknown[]): string {
  return createHash('sha256').update(events.map((event) => `${JSON.stringify(event)}\n`).join('')).digest('hex');
}

function digestOf(events: readonly unknown[], hasher = nativeTraceHasher()): string {
  const digest = new TraceDigest(hasher);
  for (const event of events) digest.add(event as TraceEvent);
  return digest.digest();
}

/** Numbers the writer takes digit by digit and the ones it hands to JS, at their edges. */
const number = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.constantFrom(0, -0, 9, 10, 0xffffffff, 0x100000000, Number.MAX_SAFE_INTEGER, -1, 1e21, 5e-7, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.double(),
);
const scalar = fc.oneof(number, fc.string({ unit: 'binary', maxLength: 40 }), fc.boolean(), fc.constant(null), fc.constant(undefined));
const member = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), tie('value'), { maxKeys: 4 })),
})).value;
const event = fc.record({ t: number, kind: fc.string({ maxLength: 12 }) }).chain((head) => fc.dictionary(fc.string({ unit: 'binary', maxLength: 10 }), member, { maxKeys: 6 }).map((rest) => ({ ...head, ...rest })));

describe('the trace digest is the SHA-256 of the trace file, written without making its lines', () => {
  it('for any events of plain data: strings needing escapes, lone surrogates, -0, NaN, big and fractional numbers, undefined members', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), (events) => {
        expect(digestOf(events)).toBe(fileSha256(events));
      }),
      { numRuns: 300 },
    );
  });

  it('across the chunk boundary: a long trace and a line longer than a chunk', () => {
    const long = Array.from({ length: 5000 }, (_, index) => ({ t: index * 1000, kind: 'send', id: index, from: 'n1', to: 'n2', message: 'AppendEntries', fields: { term: 3, entries: index % 7 } }));
    long.splice(2500, 0, { t: 1, kind: 'note', text: 'x'.repeat(300_000), nested: [{ a: 'é'.repeat(70_000) }] } as never);
    expect(digestOf(long)).toBe(fileSha256(long));
  });

  it('a toJSON or a class instance goes through JSON.stringify, and a member whose toJSON gives undefined is skipped', () => {
    class Point {
      constructor(readonly x: number) {}
    }
    const events = [
      { t: 1, kind: 'x', when: { toJSON: () => 'later' } },
      { t: 2, kind: 'x', gone: { toJSON: () => undefined }, kept: 1 },
      { t: 3, kind: 'x', point: new Point(4), list: [undefined, () => 1, 2] },
    ];
    expect(digestOf(events)).toBe(fileSha256(events));
  });

  it('a run under the nemesis: the native and the pure hasher give the file the run would write', () => {
    const experiment = validateExperiment({ protocol: 'paxos', nodes: 5, seed: 4, durationMs: 3000, workload: { clients: 4, ratePerSec: 200 }, network: { drop: 0.05, duplicate: 0.05 }, nemesis: { kinds: ['partition', 'crash', 'clock'], intervalMs: [200, 600] } });
    const events: TraceEvent[] = [];
    const summary = new RunController(experiment, { hasher: nativeTraceHasher(), trace: (traced) => events.push(traced) }).runToEnd().summary;
    expect(events.length).toBeGreaterThan(1000);
    expect(summary.traceSha256).toBe(fileSha256(events));
    expect(digestOf(events, pureTraceHasher())).toBe(summary.traceSha256);
  });
});
