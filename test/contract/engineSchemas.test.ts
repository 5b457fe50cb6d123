// The contract's payloads are the engine's own types (issue 19): the schemas in src/contract/lab.ts
// accept what real runs of every protocol send through the lab service — summaries, runState
// nodes, metrics windows, fault spans, markers, trace events — and refuse a tampered payload with
// a message that names the field.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabService } from '../../main/service/labService';
import { type LabEvent, type LabEventName, ContractError, parseEvent, parseResponse } from '../../src/contract/lab';

const service = new LabService();
afterAll(() => service.close());
const presetText = (name: string) => readFileSync(resolve(__dirname, '..', '..', 'presets', `${name}.yaml`), 'utf8');

/** A whole simulated run through the service, as the app sees it: every event it sends, a runState mid-run, the stop's summary. */
async function runThroughService(preset: string) {
  const events: Array<{ event: LabEventName; payload: unknown }> = [];
  const unsubscribe = service.subscribe((event, payload) => events.push({ event, payload: JSON.parse(JSON.stringify(payload)) }));
  try {
    const { runId } = await service.call('startRun', { text: presetText(preset), source: `${preset}.yaml`, speed: 'max', seed: 2 });
    const midRun = JSON.parse(JSON.stringify(await service.call('runState', { runId })));
    const ended = new Promise<void>((done) => {
      const stop = service.subscribe((event, payload) => {
        if (event === 'runEnded' && (payload as LabEvent<'runEnded'>).runId === runId) {
          stop();
          done();
        }
      });
    });
    await ended;
    const stopped = JSON.parse(JSON.stringify(await service.call('stopRun', { runId })));
    const finalState = JSON.parse(JSON.stringify(await service.call('runState', { runId })));
    return { events, midRun, stopped, finalState };
  } finally {
    unsubscribe();
  }
}

describe('contract schemas over real runs (issue 19)', () => {
  for (const preset of ['raft-partition-cp', 'raft-cp-to-ap-switch', 'vr-primary-crash', 'paxos-leader-crash']) {
    it(`${preset}: every event, runState and the summary parse as the contract declares`, { timeout: 120_000 }, async () => {
      const { events, midRun, stopped, finalState } = await runThroughService(preset);
      for (const { event, payload } of events) expect(() => parseEvent(event, payload), event).not.toThrow();
      const metrics = events.filter((each) => each.event === 'metrics').map((each) => parseEvent('metrics', each.payload));
      const trace = events.filter((each) => each.event === 'trace').map((each) => parseEvent('trace', each.payload));
      // The run sent what the schemas are about: windows, faults or markers, and trace events of many kinds.
      expect(metrics.flatMap((batch) => batch.windows).length).toBeGreaterThan(10);
      expect(metrics.at(-1)!.faults.length + metrics.at(-1)!.markers.length).toBeGreaterThan(0);
      expect(new Set(trace.flatMap((batch) => batch.events.map((event) => event.kind))).size).toBeGreaterThan(8);
      const state = parseResponse('runState', midRun);
      expect(state.nodes.length).toBeGreaterThanOrEqual(3);
      expect(state.nodes.some((node) => node.view !== null)).toBe(true);
      const summary = parseResponse('stopRun', stopped).summary;
      expect(summary.ops.ok).toBeGreaterThan(0);
      expect(parseResponse('runState', finalState).summary?.traceSha256).toBe(summary.traceSha256);
    });
  }

  it('listPresets, validateExperiment and checkHistory answer within their schemas', { timeout: 60_000 }, async () => {
    const presets = parseResponse('listPresets', await service.call('listPresets', {}));
    expect(presets.length).toBeGreaterThan(20);
    const validated = parseResponse('validateExperiment', await service.call('validateExperiment', { text: presetText('vr-partition-cp'), source: 'vr-partition-cp.yaml' }));
    expect(validated.ok).toBe(true);
    const report = parseResponse('checkHistory', await service.call('checkHistory', { text: '{:process 0 :type :invoke :f :read :value nil}\n{:process 0 :type :ok :f :read :value 3}', fileName: 'h.edn' }));
    expect(report).toMatchObject({ kind: 'checked', verdict: 'not-linearizable' });
  });

  it('a tampered payload is refused, naming the field', async () => {
    const { events, stopped } = await runThroughService('raft-healthy');
    const traceBatch = events.find((each) => each.event === 'trace' && (each.payload as { events: unknown[] }).events.length > 3)!.payload as { events: Array<Record<string, unknown>> };
    const position = traceBatch.events.findIndex((event) => event.kind === 'role');
    const tamperedTrace = { ...traceBatch, events: traceBatch.events.map((event, index) => (index === position ? { ...event, role: 'emperor' } : event)) };
    expect(() => parseEvent('trace', tamperedTrace)).toThrow(ContractError);
    expect(() => parseEvent('trace', tamperedTrace)).toThrow(new RegExp(`^trace: invalid event: events\\.${position}\\.role: `));

    const metricsBatch = events.find((each) => each.event === 'metrics' && (each.payload as { windows: unknown[] }).windows.length > 0)!.payload as { windows: Array<Record<string, unknown>> };
    const tamperedMetrics = { ...metricsBatch, windows: [{ ...metricsBatch.windows[0], availabilityBySide: { majority: 'most' } }] };
    expect(() => parseEvent('metrics', tamperedMetrics)).toThrow(/^metrics: invalid event: windows\.0\.availabilityBySide\.majority: .*; windows\.0\.availabilityBySide\.minority: /);

    const { protocol: _dropped, ...summaryWithoutProtocol } = (stopped as { summary: Record<string, unknown> }).summary;
    expect(() => parseResponse('stopRun', { summary: { ...summaryWithoutProtocol, models: { linearizable: { status: 'maybe' } } } })).toThrow(/^stopRun: invalid response: summary\.protocol: .*summary\.models\.linearizable\.status/);
  });
});
