// Exporting from the app is long work: it reports progress and can be cancelled in the lab (issue #8).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabService } from '../../main/service/labService';

const text = readFileSync(resolve(__dirname, '..', '..', 'presets', 'raft-healthy.yaml'), 'utf8').replace(/^durationMs: .*$/m, 'durationMs: 600000');
const service = new LabService();
afterAll(() => service.close());

/** A simulated run at full speed, stopped after `wallMs` of wall time (its replay is that long). */
async function endedRun(wallMs: number): Promise<string> {
  const { runId } = await service.call('startRun', { text, source: 'raft-healthy.yaml', speed: 'max', seed: 5 });
  await new Promise((done) => setTimeout(done, wallMs));
  await service.call('stopRun', { runId });
  return runId;
}

describe('exporting a run from the app', () => {
  it('reports its progress under the export id, in order, up to done', async () => {
    const runId = await endedRun(300);
    const fractions: number[] = [];
    const unsubscribe = service.subscribe((event, payload) => {
      if (event === 'exportProgress' && 'exportId' in payload && payload.exportId === 'export-a') fractions.push(payload.fraction);
    });
    const exported = await service.call('exportRun', { runId, exportId: 'export-a' });
    unsubscribe();
    expect(exported.cancelled).toBeUndefined();
    expect(exported.files.map((file) => file.name)).toContain('bundle.zip');
    expect(fractions.length).toBeGreaterThan(1);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions.at(-1)).toBe(1);
    expect(await service.call('cancelExport', { exportId: 'export-a' })).toEqual({ cancelled: false });
  });

  it('stops in the lab when cancelled, answers cancelled with no files, and can export again after', async () => {
    const runId = await endedRun(800);
    let reports = 0;
    const unsubscribe = service.subscribe((event, payload) => {
      if (event === 'exportProgress' && 'exportId' in payload && payload.exportId === 'export-b' && ++reports === 1) void service.call('cancelExport', { exportId: 'export-b' });
    });
    const cancelled = await service.call('exportRun', { runId, exportId: 'export-b' });
    unsubscribe();
    expect(cancelled).toEqual({ files: [], cancelled: true });
    const again = await service.call('exportRun', { runId });
    expect(again.files.length).toBeGreaterThan(0);
  });

  it('refuses a malformed export id and a second export under an id still going', async () => {
    const runId = await endedRun(100);
    await expect(service.call('exportRun', { runId, exportId: 'Bad Id!' })).rejects.toThrow('exportRun: invalid payload: exportId: must be an export id');
    await expect(service.call('cancelExport', { exportId: '' })).rejects.toThrow('cancelExport: invalid payload: exportId');
    const first = service.call('exportRun', { runId, exportId: 'export-c' });
    await expect(service.call('exportRun', { runId, exportId: 'export-c' })).rejects.toThrow('exportRun: an export with id export-c is already going');
    expect((await first).files.length).toBeGreaterThan(0);
  });
});
