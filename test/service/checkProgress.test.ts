// Checking a history from the app is long work: it reports how far it got (issue #8).
import { afterAll, describe, expect, it } from 'vitest';
import { loadExperiment } from '../../main/experimentFile';
import { historyDocument } from '../../main/runFiles';
import { LabService } from '../../main/service/labService';
import { runExperiment } from '../../src/experiment/run';
import { validateExperiment } from '../../src/experiment/schema';
import { writeCaplabHistory } from '../../src/history/formats';
import { nodeRunOptions } from '../../workers/runOptions';

const service = new LabService();
afterAll(() => service.close());

describe('checking a history from the app', () => {
  it('reports progress under its check id, growing, up to every operation checked', async () => {
    const experiment = validateExperiment({ ...loadExperiment('raft-healthy'), stoppedAtMs: 3000 }, 'test');
    const text = writeCaplabHistory(historyDocument(runExperiment(experiment, nodeRunOptions())));
    const progress: Array<[number, number]> = [];
    const unsubscribe = service.subscribe((event, payload) => {
      if (event === 'checkProgress' && 'checkId' in payload && payload.checkId === 'check-p') progress.push([payload.operationsDone, payload.operationsTotal]);
    });
    const report = await service.call('checkHistory', { text, fileName: 'history.json', format: 'caplab-history', checkId: 'check-p' });
    unsubscribe();
    expect(report).toMatchObject({ kind: 'checked', verdict: 'linearizable' });
    expect(progress.length).toBeGreaterThan(0);
    const [done, total] = progress.at(-1)!;
    expect(total).toBeGreaterThan(0);
    expect(done).toBe(total);
    expect(progress.map(([reached]) => reached)).toEqual([...progress.map(([reached]) => reached)].sort((a, b) => a - b));
  });
});
