import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabService } from '../../main/service/labService';

describe('live violation counts streamed with the metrics', () => {
  it('an AP partition: the oracle counts stale reads while the run goes, never fewer later, never more than at the end', async () => {
    const service = new LabService();
    const text = readFileSync(resolve(__dirname, '..', '..', 'presets', 'raft-partition-ap.yaml'), 'utf8');
    const live: number[] = [];
    const ended = new Promise<Record<string, unknown>>((done) => {
      service.subscribe((event, payload) => {
        if (event === 'metrics' && 'live' in payload && payload.live !== undefined) live.push(payload.live.staleRead);
        if (event === 'runEnded' && 'summary' in payload) done(payload.summary as Record<string, unknown>);
      });
    });
    await service.call('startRun', { text, source: 'raft-partition-ap.yaml', speed: 5 });
    const summary = await ended;
    await service.close();
    const final = (summary.violations as { staleRead: number }).staleRead;
    expect(final).toBeGreaterThan(0);
    expect(live.length).toBeGreaterThan(2);
    expect(live.some((count) => count > 0)).toBe(true);
    for (let i = 1; i < live.length; i++) expect(live[i]).toBeGreaterThanOrEqual(live[i - 1] as number);
    expect(live.at(-1)).toBeLessThanOrEqual(final);
  });
});
