import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeIds } from '../../src/base/ids';
import { prngStream } from '../../src/base/prng';
import { type LatencySpec, sampleLatencyUs } from '../../src/network/latency';
import { NetworkModel, linkFaultsDefault } from '../../src/network/network';
import { partitionLinks } from '../../src/network/partitions';

const latencies: fc.Arbitrary<LatencySpec> = fc.oneof(
  fc.record({ distribution: fc.constant('fixed' as const), value: fc.double({ min: 0, max: 100, noNaN: true }) }),
  fc.record({ distribution: fc.constant('uniform' as const), min: fc.double({ min: 0, max: 10, noNaN: true }), max: fc.double({ min: 10, max: 50, noNaN: true }) }),
  fc.record({ distribution: fc.constant('normal' as const), mean: fc.double({ min: 0, max: 50, noNaN: true }), stddev: fc.double({ min: 0, max: 20, noNaN: true }) }),
  fc.record({ distribution: fc.constant('lognormal' as const), median: fc.double({ min: 0.1, max: 20, noNaN: true }), p99: fc.double({ min: 20, max: 200, noNaN: true }) }),
  fc.record({ distribution: fc.constant('exponential' as const), mean: fc.double({ min: 0, max: 50, noNaN: true }) }),
);

describe('network model (properties)', () => {
  it('never delivers across a partition cut, whatever the shape', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 9 }), fc.constantFrom('majority-minority', 'isolate-leader', 'bridge', 'one-way', 'ring'), fc.integer({ min: 0, max: 1000 }), (count, shape, seed) => {
        const nodes = nodeIds(count);
        const network = new NetworkModel(nodes, linkFaultsDefault, prngStream(seed, 'network'));
        const { cut } = partitionLinks(shape as 'ring', nodes, nodes[seed % count] ?? null);
        network.setBlocked(cut);
        for (const [from, to] of cut) {
          const route = network.route(network.index(from), network.index(to), 0);
          expect(route.delaysUs).toEqual([]);
          expect(route.dropReason).toBe('partition');
        }
      }),
    );
  });

  it('explicit groups cut exactly the links between groups, both ways', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 9 }), fc.integer({ min: 1, max: 8 }), (count, split) => {
        const nodes = nodeIds(count);
        const at = Math.min(split, count - 1);
        const groups = [nodes.slice(0, at), nodes.slice(at)];
        const { cut } = partitionLinks(groups, nodes, null);
        expect(cut.length).toBe(2 * at * (count - at));
        for (const [from, to] of cut) expect(groups[0]?.includes(from)).not.toBe(groups[0]?.includes(to));
      }),
    );
  });

  it('with drop 0 and duplicate 0, delivers every message exactly once', () => {
    fc.assert(
      fc.property(latencies, fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 200 }), (latencyMs, seed, sends) => {
        const nodes = nodeIds(3);
        const network = new NetworkModel(nodes, { ...linkFaultsDefault, latencyMs }, prngStream(seed, 'network'));
        for (let i = 0; i < sends; i++) {
          const route = network.route(0, 1 + (i % 2), i * 100);
          expect(route.dropReason).toBeNull();
          expect(route.delaysUs.length).toBe(1);
          expect(route.delaysUs[0]).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });

  it('keeps each link FIFO unless reordering is on', () => {
    fc.assert(
      fc.property(latencies, fc.integer({ min: 0, max: 10_000 }), (latencyMs, seed) => {
        const network = new NetworkModel(nodeIds(2), { ...linkFaultsDefault, latencyMs }, prngStream(seed, 'network'));
        let lastArrival = -1;
        for (let sentUs = 0; sentUs < 50_000; sentUs += 1000) {
          const arrival = sentUs + (network.route(0, 1, sentUs).delaysUs[0] as number);
          expect(arrival).toBeGreaterThanOrEqual(lastArrival);
          lastArrival = arrival;
        }
      }),
    );
  });

  it('with reordering, later messages do overtake earlier ones', () => {
    const network = new NetworkModel(nodeIds(2), { ...linkFaultsDefault, latencyMs: { distribution: 'fixed', value: 5 }, reorderProbability: 0.5 }, prngStream(1, 'network'));
    const arrivals = Array.from({ length: 200 }, (_, i) => i * 100 + (network.route(0, 1, i * 100).delaysUs[0] as number));
    const overtaken = arrivals.filter((arrival, i) => i > 0 && arrival < (arrivals[i - 1] as number)).length;
    expect(overtaken).toBeGreaterThan(10);
  });

  it('drops and duplicates at about the configured rates', () => {
    const network = new NetworkModel(nodeIds(2), { ...linkFaultsDefault, dropProbability: 0.2, duplicateProbability: 0.1 }, prngStream(7, 'network'));
    let dropped = 0;
    let duplicated = 0;
    const sends = 20_000;
    for (let i = 0; i < sends; i++) {
      const route = network.route(0, 1, i);
      if (route.dropReason === 'random') dropped++;
      if (route.delaysUs.length === 2) duplicated++;
    }
    expect(dropped / sends).toBeCloseTo(0.2, 1);
    expect(duplicated / (sends - dropped)).toBeCloseTo(0.1, 1);
  });

  it('samples latencies that are never negative and follow the lognormal median', () => {
    fc.assert(
      fc.property(latencies, fc.integer(), (spec, seed) => {
        expect(sampleLatencyUs(spec, prngStream(seed, 'x'))).toBeGreaterThanOrEqual(0);
      }),
    );
    const prng = prngStream(3, 'latency');
    const samples = Array.from({ length: 20_001 }, () => sampleLatencyUs({ distribution: 'lognormal', median: 5, p99: 40 }, prng)).sort((a, b) => a - b);
    expect(samples[10_000]! / 1000).toBeCloseTo(5, 0);
    expect(samples[19_800]! / 1000).toBeGreaterThan(30);
    expect(samples[19_800]! / 1000).toBeLessThan(50);
  });

  it('gives independent, reproducible streams per component', () => {
    const a1 = prngStream(42, 'network');
    const a2 = prngStream(42, 'network');
    const b = prngStream(42, 'node:n1');
    const draws = (prng: ReturnType<typeof prngStream>) => Array.from({ length: 8 }, () => prng.int(0, 1_000_000));
    const first = draws(a1);
    expect(draws(a2)).toEqual(first);
    expect(draws(b)).not.toEqual(first);
  });
});
