// When the live violation count is recounted: about twice a second, less often when the recount
// is costly (it goes over the whole history), never while lab time stands still.
import { describe, expect, it } from 'vitest';
import type { ViolationOracle } from '../../src/checker/oracle';
import { MetricsCollector } from '../../src/metrics/collector';
import { type MetricsBatch, SessionBatches, flushIntervalMs, liveEveryFlushes, liveShareOfTimeMax } from '../../main/service/sessionBatches';

/** A session's batches over a fake run whose oracle recount costs `costMs` of (fake) wall time. */
function harness(costMs: number) {
  let wallMs = 0;
  let recounts = 0;
  const oracle = {
    violations: () => {
      recounts++;
      wallMs += costMs;
      return [{ kind: 'staleRead', key: 'k1', operations: [recounts], explanation: 'stale' }];
    },
  } as unknown as ViolationOracle;
  const batches: MetricsBatch[] = [];
  const session = new SessionBatches({ metrics: (batch) => batches.push(batch), trace: () => undefined, ended: () => undefined }, () => wallMs);
  const source = { nowMs: 0, metrics: new MetricsCollector(250), oracle, recorder: { operations: () => [] } };
  const flush = (labMsPassing: number) => {
    source.nowMs += labMsPassing;
    wallMs += flushIntervalMs;
    session.flush(source);
  };
  return { flush, batches, recounts: () => recounts };
}

describe('live violation counts in the batches', () => {
  it('come every few flushes when a recount is cheap', () => {
    const { flush, batches } = harness(1);
    for (let i = 0; i < 20; i++) flush(100);
    const withLive = batches.flatMap((batch, index) => (batch.live === undefined ? [] : [index]));
    expect(withLive).toEqual(Array.from({ length: Math.ceil(20 / liveEveryFlushes) }, (_, i) => i * liveEveryFlushes));
    expect(batches[0]?.live).toMatchObject({ staleRead: 1, monotonicRead: 0, readYourWrites: 0 });
  });

  it('wait so that a costly recount takes at most a tenth of the time', () => {
    const costMs = 300;
    const { flush, recounts } = harness(costMs);
    const flushes = 200;
    for (let i = 0; i < flushes; i++) flush(100);
    const wallMs = flushes * flushIntervalMs + recounts() * costMs;
    expect(recounts()).toBeGreaterThan(1);
    expect((recounts() * costMs) / wallMs).toBeLessThanOrEqual(liveShareOfTimeMax + 0.01);
  });

  it('are not recounted while lab time stands still (a paused run)', () => {
    const { flush, recounts } = harness(1);
    flush(100);
    for (let i = 0; i < 30; i++) flush(0);
    expect(recounts()).toBe(1);
    flush(100);
    expect(recounts()).toBe(2);
  });
});
