import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabService } from '../../main/service/labService';

const service = new LabService();
afterAll(() => service.close());
const healthy = readFileSync(resolve(__dirname, '..', '..', 'presets', 'raft-healthy.yaml'), 'utf8');

describe('stepRun: the Lab’s step control on a paused simulated run', () => {
  it('goes exactly the asked simulated time forward and stays paused; a running run and bad steps are refused, changing nothing', async () => {
    const { runId } = await service.call('startRun', { text: healthy, source: 'raft-healthy.yaml', speed: 1 });
    await expect(service.call('stepRun', { runId, ms: 10 })).rejects.toThrow('stepRun: pause the run first');
    await service.call('pauseRun', { runId });
    const before = (await service.call('runState', { runId })).nowMs as number;
    await service.call('stepRun', { runId, ms: 10 });
    const after = await service.call('runState', { runId });
    expect(after.nowMs as number).toBeCloseTo(before + 10, 6);
    expect(after.paused).toBe(true);
    await expect(service.call('stepRun', { runId, ms: 0 })).rejects.toThrow(/stepRun: invalid payload: ms/);
    await expect(service.call('stepRun', { runId, ms: 1e9 })).rejects.toThrow(/stepRun: invalid payload: ms/);
    expect((await service.call('runState', { runId })).nowMs as number).toBeCloseTo(before + 10, 6);
    await service.call('stopRun', { runId });
  });
});
