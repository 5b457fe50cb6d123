import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type LabEvent, labEvents } from '../../src/contract/lab';
import { runExperiment, runPassed } from '../../src/experiment/run';
import { validateExperiment } from '../../src/experiment/schema';
import { parseExperiment } from '../../main/experimentFile';
import { LabService } from '../../main/service/labService';
import { nodeRunOptions } from '../../workers/runOptions';

// The app's sweeps through the lab service (ARCHITECTURE §7, §8): seeds run in the sweep pool, progress
// arrives as events, and every number in them is the one a direct run of that seed gives.

const presetText = (name: string) => readFileSync(resolve(__dirname, '..', '..', 'presets', `${name}.yaml`), 'utf8');
/** The healthy preset cut to 3 s of simulated time, so three seeds take little wall time. */
const shortHealthy = presetText('raft-healthy').replace('durationMs: 10000', 'durationMs: 3000');

const service = new LabService();
const events: Array<LabEvent<'sweepProgress'>> = [];
service.subscribe((event, payload) => {
  if (event === 'sweepProgress') events.push(payload as LabEvent<'sweepProgress'>);
});
afterAll(async () => {
  await service.close();
});

/** Resolves with the sweep's events once its last one (finished) has arrived. */
function sweepEnded(sweepId: string): Promise<Array<LabEvent<'sweepProgress'>>> {
  return new Promise((done) => {
    const unsubscribe = service.subscribe((event, payload) => {
      const progress = payload as LabEvent<'sweepProgress'>;
      if (event !== 'sweepProgress' || progress.sweepId !== sweepId || !progress.finished) return;
      unsubscribe();
      done(events.filter((candidate) => candidate.sweepId === sweepId));
    });
  });
}

describe('startSweep: seeds in worker threads, progress as events', () => {
  it('sweeps 3 seeds; every outcome is what a direct run of that seed gives', async () => {
    const ended = sweepEnded('three-seeds');
    expect(await service.call('startSweep', { text: shortHealthy, source: 'raft-healthy.yaml', firstSeed: 5, seeds: 3, sweepId: 'three-seeds' })).toEqual({ sweepId: 'three-seeds', seeds: 3 });
    const progress = await ended;

    // `done` counts every seed reported so far, the last event alone is finished, and nothing was cancelled.
    let reported = 0;
    for (const event of progress) {
      reported += event.outcomes.length;
      expect(event.done).toBe(reported);
      expect(event.total).toBe(3);
      expect(event.cancelled).toBe(false);
      expect(event.error).toBeUndefined();
      // What the WebSocket client and the preload's consumers validate against.
      expect(labEvents.sweepProgress.parse(event)).toEqual(event);
    }
    expect(progress.map((event) => event.finished)).toEqual([...progress.slice(1).map(() => false), true]);
    expect(reported).toBe(3);

    const outcomes = progress.flatMap((event) => event.outcomes).sort((a, b) => a.seed - b.seed);
    expect(outcomes.map((outcome) => outcome.seed)).toEqual([5, 6, 7]);
    const parsed = parseExperiment(shortHealthy, 'raft-healthy.yaml');
    for (const outcome of outcomes) {
      const { summary } = runExperiment(validateExperiment({ ...parsed, seed: outcome.seed }, 'direct'), nodeRunOptions());
      expect(outcome.traceSha256).toBe(summary.traceSha256);
      expect(outcome.passed).toBe(runPassed(summary));
      expect(outcome.ops).toEqual(summary.ops);
      expect(outcome.availability).toBe(summary.availability);
      expect(outcome.violations).toEqual(summary.violations);
      expect(outcome.invariantsBroken).toEqual(summary.invariantsBroken);
      expect(outcome.faultModelExceeded).toBe(summary.faultModelExceeded);
      expect(outcome.expectationsFailed).toEqual(summary.expectations.filter((expectation) => !expectation.holds).map((expectation) => `${expectation.expr} (actual ${expectation.actual ?? 'missing'})`));
    }
    expect(service.sweepsIdle).toBe(true);
  });

  it('cancel: no further seed starts, the one going is abandoned, the last event says cancelled', async () => {
    const sweepId = 'fifty-seeds';
    const ended = sweepEnded(sweepId);
    const firstEvent = new Promise<void>((done) => {
      const unsubscribe = service.subscribe((event, payload) => {
        if (event !== 'sweepProgress' || (payload as LabEvent<'sweepProgress'>).sweepId !== sweepId) return;
        unsubscribe();
        done();
      });
    });
    await service.call('startSweep', { text: presetText('raft-partition-cp'), source: 'raft-partition-cp.yaml', seeds: 50, sweepId });
    await expect(service.call('startSweep', { text: shortHealthy, source: 'raft-healthy.yaml', seeds: 2, sweepId })).rejects.toThrow(`startSweep: a sweep with id ${sweepId} is already going`);
    await firstEvent;
    expect(await service.call('cancelSweep', { sweepId })).toEqual({ cancelled: true });
    const progress = await ended;
    const last = progress[progress.length - 1];
    expect(last?.finished).toBe(true);
    expect(last?.cancelled).toBe(true);
    expect(last?.done).toBeLessThan(50);
    expect(progress.flatMap((event) => event.outcomes)).toHaveLength(last?.done ?? -1);
    expect(service.sweepsIdle).toBe(true);
    // The id is free again, and cancelling a sweep that is over says so.
    expect(await service.call('cancelSweep', { sweepId })).toEqual({ cancelled: false });
  });

  it('a protocol override runs the other protocol; a bad experiment or seed range is refused before anything starts', async () => {
    const ended = sweepEnded('vr-override');
    await service.call('startSweep', { text: shortHealthy, source: 'raft-healthy.yaml', protocol: 'vr', seeds: 1, sweepId: 'vr-override' });
    const [outcome] = (await ended).flatMap((event) => event.outcomes);
    const parsed = parseExperiment(shortHealthy, 'raft-healthy.yaml');
    const direct = runExperiment(validateExperiment({ ...parsed, protocol: 'vr', protocolSettings: {}, seed: parsed.seed }, 'direct'), nodeRunOptions()).summary;
    expect(outcome?.traceSha256).toBe(direct.traceSha256);

    await expect(service.call('startSweep', { text: shortHealthy.replace('nodes: 5', 'nodes: 12'), source: 'bad.yaml', seeds: 2, sweepId: 'bad-nodes' })).rejects.toThrow('nodes');
    await expect(service.call('startSweep', { text: shortHealthy, source: 'raft-healthy.yaml', firstSeed: Number.MAX_SAFE_INTEGER, seeds: 2, sweepId: 'past-the-end' })).rejects.toThrow('last seed of the sweep');
    expect(service.sweepsIdle).toBe(true);
  });
});
