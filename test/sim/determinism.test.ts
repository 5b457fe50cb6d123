import { describe, expect, it } from 'vitest';
import { runExperiment } from '../../src/experiment/run';
import { validateExperiment } from '../../src/experiment/schema';
import { nativeTraceHasher } from '../../workers/runOptions';
import type { TraceEvent } from '../../src/history/trace';

const experiment = validateExperiment({
  protocol: 'raft',
  durationMs: 4000,
  network: { drop: 0.05, duplicate: 0.05, reorder: 0.1 },
  nemesis: { kinds: ['partition', 'crash', 'pause', 'clock'], intervalMs: [300, 900], untilMs: 3000 },
});

describe('simulator determinism (ARCHITECTURE §3)', () => {
  it('same experiment and seed give a byte-identical trace', () => {
    const lines = (): string[] => {
      const trace: string[] = [];
      runExperiment(experiment, { hasher: nativeTraceHasher(), trace: (event: TraceEvent) => trace.push(JSON.stringify(event)) });
      return trace;
    };
    const first = lines();
    const second = lines();
    expect(first.length).toBeGreaterThan(1000);
    expect(second).toEqual(first);
  });

  it('traceSha256 is the same twice, and the pure and native hashers agree', () => {
    const native1 = runExperiment(experiment, { hasher: nativeTraceHasher() }).summary.traceSha256;
    const native2 = runExperiment(experiment, { hasher: nativeTraceHasher() }).summary.traceSha256;
    const pure = runExperiment(experiment).summary.traceSha256;
    expect(native1).toMatch(/^[0-9a-f]{64}$/);
    expect(native2).toBe(native1);
    expect(pure).toBe(native1);
  });

  it('a different seed gives a different run', () => {
    const one = runExperiment(experiment, { hasher: nativeTraceHasher() }).summary;
    const other = runExperiment({ ...experiment, seed: 2 }, { hasher: nativeTraceHasher() }).summary;
    expect(other.traceSha256).not.toBe(one.traceSha256);
  });

  it('the trace starts with a header and records faults, roles and operations', () => {
    const kinds = new Set<string>();
    let first: TraceEvent | undefined;
    runExperiment(experiment, {
      trace: (event) => {
        first ??= event;
        kinds.add(event.kind);
      },
    });
    expect(first?.kind).toBe('header');
    for (const kind of ['send', 'deliver', 'drop', 'role', 'commit', 'fault', 'node', 'invoke', 'complete', 'end']) expect(kinds).toContain(kind);
  });
});
