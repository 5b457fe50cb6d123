import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBundle } from '../../main/bundleImport';
import { loadExperiment } from '../../main/experimentFile';
import { ReplayCancelled, exportSimRun, exportedFileNames } from '../../main/service/replayJob';
import { runExperiment } from '../../src/experiment/run';
import { validateExperiment } from '../../src/experiment/schema';
import { nodeRunOptions } from '../../workers/runOptions';

const root = mkdtempSync(join(tmpdir(), 'caplab-export-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('replaying a simulated run in a worker to export it', () => {
  it('replays the run into every file, reporting progress, and leaves no temporary folder', async () => {
    const experiment = validateExperiment({ ...loadExperiment('raft-leader-crash'), stoppedAtMs: 4000 }, 'test');
    const { summary } = runExperiment(experiment, nodeRunOptions());
    const progress: number[] = [];
    const files = await exportSimRun(experiment, summary.traceSha256, { onProgress: (fraction) => progress.push(fraction) }, root);
    expect(files.map((file) => file.name)).toEqual([...exportedFileNames]);
    const bundle = readBundle(new Uint8Array(Buffer.from(files[0]!.base64, 'base64')), 'bundle.zip');
    expect(bundle.summary.traceSha256).toBe(summary.traceSha256);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(1);
    expect(readdirSync(root)).toEqual([]);
  });

  it('refuses to export a replay that does not reproduce the run', async () => {
    const experiment = validateExperiment({ ...loadExperiment('raft-leader-crash'), stoppedAtMs: 1000 }, 'test');
    await expect(exportSimRun(experiment, '0'.repeat(64), {}, root)).rejects.toThrow(/export: the replay did not reproduce the run/);
    expect(readdirSync(root)).toEqual([]);
  });

  it('stops at once when cancelled, and keeps nothing', async () => {
    const experiment = validateExperiment({ ...loadExperiment('raft-leader-crash'), durationMs: 600_000 }, 'test');
    const controller = new AbortController();
    let reports = 0;
    const onProgress = () => {
      if (++reports === 1) controller.abort();
    };
    const exported = exportSimRun(experiment, 'not reached', { onProgress, signal: controller.signal }, root);
    await expect(exported).rejects.toBeInstanceOf(ReplayCancelled);
    expect(reports).toBeLessThan(50);
    expect(readdirSync(root)).toEqual([]);
  });
});
