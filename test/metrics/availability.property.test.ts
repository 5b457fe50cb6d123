import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../../src/history/trace';
import { MetricsCollector } from '../../src/metrics/collector';

type Outcome = 'ok' | 'cas-mismatch' | 'refused' | 'timed out' | 'late ok' | 'missed';

/** A trace of one client per outcome list entry; each operation meant to start 10 ms after the last. */
function traceOf(outcomes: readonly Outcome[]): TraceEvent[] {
  const timeoutMs = 100;
  const events: TraceEvent[] = [
    { t: 0, kind: 'header', format: 'caplab-trace/1', experiment: 'property', protocol: 'raft', seed: 1, nodes: ['n1', 'n2', 'n3'] },
    { t: 0, kind: 'clients', homes: ['n1'], timeoutMs },
  ];
  const input = { f: 'write', key: 'k1', value: 'v' } as const;
  let t = 1;
  outcomes.forEach((outcome, op) => {
    const intended = t;
    t += 10_000;
    if (outcome === 'missed') return events.push({ t: intended + timeoutMs * 1000, kind: 'missed', client: 1, intended });
    const issued = outcome === 'late ok' ? intended + 60_000 : intended;
    events.push({ t: issued, kind: 'invoke', op, client: 1, node: 'n1', input, ...(issued > intended ? { intended } : {}) });
    const done = outcome === 'late ok' ? issued + 60_000 : outcome === 'timed out' || outcome === 'refused' ? issued + timeoutMs * 1000 : issued + 2000;
    const type = outcome === 'ok' || outcome === 'late ok' ? 'ok' : outcome === 'timed out' ? 'info' : 'fail';
    events.push({ t: done, kind: 'complete', op, client: 1, output: { type }, served: outcome === 'ok' || outcome === 'cas-mismatch' });
  });
  return events.sort((a, b) => a.t - b.t);
}

describe('availability (ARCHITECTURE §5): answered within the timeout ÷ offered', () => {
  it('is in [0, 1], and 1 only when nothing was missed, refused, late or timed out', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<Outcome>('ok', 'cas-mismatch', 'refused', 'timed out', 'late ok', 'missed'), { minLength: 1, maxLength: 80 }), (outcomes) => {
        const collector = new MetricsCollector(250);
        for (const event of traceOf(outcomes)) collector.observe(event);
        const endUs = outcomes.length * 10_000 + 1_000_000;
        const series = collector.finish(endUs);
        const totals = collector.serviceTotals();
        const availability = totals.served / totals.offered;
        expect(totals.offered).toBe(outcomes.length);
        expect(availability).toBeGreaterThanOrEqual(0);
        expect(availability).toBeLessThanOrEqual(1);
        const unserved = outcomes.filter((outcome) => outcome !== 'ok' && outcome !== 'cas-mismatch').length;
        expect(availability === 1).toBe(unserved === 0);
        expect(totals.missed).toBe(outcomes.filter((outcome) => outcome === 'missed').length);
        // Per window: offered windows have a number (0 when none was answered), never a gap.
        for (const window of series.windows) {
          if (window.offered === 0) expect(window.availability).toBeNull();
          else expect(window.availability).toBe(window.served / window.offered);
        }
        expect(series.windows.reduce((sum, window) => sum + window.offered, 0)).toBe(outcomes.length);
      }),
      { numRuns: 300 },
    );
  });
});
