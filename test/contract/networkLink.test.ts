import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabService } from '../../main/service/labService';

const service = new LabService();
afterAll(() => service.close());
const healthy = readFileSync(resolve(__dirname, '..', '..', 'presets', 'raft-healthy.yaml'), 'utf8');

type Link = { from: string; to: string; drop: number; latencyOverridden: boolean };
async function links(runId: string): Promise<Map<string, Link>> {
  const state = await service.call('runState', { runId });
  return new Map((state.links as Link[]).map((link) => [`${link.from}>${link.to}`, link]));
}

describe('setNetwork on one link, through the lab service (the app’s path)', () => {
  it('changes that link only, refuses nodes the run does not have and bad links (changing nothing), heal ends it, and the run replays exactly', async () => {
    const { runId } = await service.call('startRun', { text: healthy, source: 'raft-healthy.yaml', speed: 1 });
    await service.call('pauseRun', { runId });

    await service.call('setNetwork', { runId, change: { drop: 0.5, link: { from: 'n1', to: 'n2' } } });
    await service.call('setNetwork', { runId, change: { latencyMs: { distribution: 'uniform', min: 20, max: 40 }, link: { between: ['n3', 'n4'] } } });
    let now = await links(runId);
    expect([...now.values()].filter((link) => link.drop > 0).map((link) => `${link.from}>${link.to}`)).toEqual(['n1>n2']);
    expect([...now.values()].filter((link) => link.latencyOverridden).map((link) => `${link.from}>${link.to}`).sort()).toEqual(['n3>n4', 'n4>n3']);

    // A node this 5-node run does not have: a clear refusal, nothing changes.
    await expect(service.call('setNetwork', { runId, change: { drop: 1, link: { between: ['n2', 'n7'] } } })).rejects.toThrow('setNetwork: change.link names n7, but this run has nodes n1..n5');
    await expect(service.call('setNetwork', { runId, change: { drop: 1, link: { from: 'n2', to: 'n2' } } })).rejects.toThrow('setNetwork: invalid payload: change.link.to: must differ from from');
    await expect(service.call('setNetwork', { runId, change: { drop: 1, link: { from: 'n2' } } })).rejects.toThrow('setNetwork: invalid payload: change.link.to');
    now = await links(runId);
    expect(now.get('n2>n7')).toBeUndefined();
    expect([...now.values()].filter((link) => link.drop > 0).map((link) => `${link.from}>${link.to}`)).toEqual(['n1>n2']);

    // A change of every link leaves the link with faults of its own as it is.
    await service.call('setNetwork', { runId, change: { drop: 0.1 } });
    now = await links(runId);
    expect(now.get('n1>n2')?.drop).toBe(0.5);
    expect(now.get('n2>n1')?.drop).toBe(0.1);

    await service.call('heal', { runId });
    now = await links(runId);
    expect([...now.values()].every((link) => link.drop === 0 && !link.latencyOverridden)).toBe(true);

    await service.call('resumeRun', { runId });
    await service.call('stopRun', { runId });
    // The export replays the recorded actions (the link changes among them) and checks the trace digest.
    const { files } = await service.call('exportRun', { runId });
    const trace = Buffer.from(files.find((file) => file.name === 'trace.jsonl')?.base64 ?? '', 'base64').toString('utf8');
    expect(trace).toContain('"detail":"n1→n2 {\\"drop\\":0.5}"');
    expect(trace).toContain('n3↔n4 {\\"latencyMs\\":{\\"distribution\\":\\"uniform\\",\\"min\\":20,\\"max\\":40}}');
  }, 60_000);
});
