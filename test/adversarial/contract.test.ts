// The lab service's calls, fed what a careless or hostile app might send (issue 13, item 5, and
// generated payloads for every call). A refused action names the field and is not recorded; a
// simulated run that was sent hundreds of payloads still stops and exports to the same summary.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type LabCallName, labCalls } from '../../src/contract/lab';
import { LabService } from '../../main/service/labService';
import type { LabSession } from '../../main/service/labSession';
import type { SimSession } from '../../main/service/simSession';
import { type WebServerHandle, startWebServer } from '../../main/service/webServer';
import { stillServing } from './serverHarness';

const healthy = readFileSync(resolve(__dirname, '..', '..', 'presets', 'raft-healthy.yaml'), 'utf8');
const short = healthy.replace('durationMs: 10000', 'durationMs: 3000');

let service: LabService;
let casesTried = 0;

beforeAll(() => {
  service = new LabService();
});

afterAll(async () => {
  await service.close();
  console.info(`contract.test.ts: ${casesTried} adversarial payloads`);
});

const sessionOf = (runId: string) => (service as unknown as { sessions: Map<string, LabSession> }).sessions.get(runId) as LabSession;
/** What a simulated run has recorded for its replay. */
const recordedOf = (runId: string) => (sessionOf(runId) as SimSession).replayableExperiment().faults.length;
const summaryOfFiles = (files: Array<{ name: string; base64: string }>) => JSON.parse(Buffer.from(files.find((file) => file.name === 'summary.json')!.base64, 'base64').toString('utf8')) as unknown;

async function refused(call: LabCallName, payload: unknown): Promise<string> {
  casesTried++;
  try {
    await service.call(call, payload);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${call} ${JSON.stringify(payload)} was accepted`);
}

describe('one check of the nodes of every action, before anything is recorded (item 5)', () => {
  it('a simulated run refuses nodes and partitions it does not have, records none of them, and still exports', async () => {
    const { runId } = await service.call('startRun', { text: short, source: 'raft-healthy.yaml', speed: 1, seed: 3 });
    await service.call('pauseRun', { runId });
    const before = sessionOf(runId).state();
    const recordedBefore = recordedOf(runId);
    expect(await refused('nodeAction', { runId, node: 'n9', action: 'crash' })).toBe('nodeAction: node names n9, but this run has nodes n1..n5');
    expect(await refused('nodeAction', { runId, node: 'n6', action: 'restart' })).toBe('nodeAction: node names n6, but this run has nodes n1..n5');
    expect(await refused('nodeAction', { runId, node: 'n7', action: 'pause' })).toContain('node names n7');
    expect(await refused('nodeAction', { runId, node: 'n8', action: 'resume', amnesia: true })).toContain('node names n8');
    expect(await refused('partition', { runId, spec: [['n1', 'n2'], ['n2', 'n3']] })).toBe('partition: spec puts n2 in two groups; each node belongs to one group');
    expect(await refused('partition', { runId, spec: [['n1'], ['n6', 'n7']] })).toBe('partition: spec names n6, but this run has nodes n1..n5; spec names n7, but this run has nodes n1..n5');
    expect(await refused('setNetwork', { runId, change: { drop: 0.5, link: { from: 'n1', to: 'n9' } } })).toBe('setNetwork: change.link names n9, but this run has nodes n1..n5');
    expect(recordedOf(runId)).toBe(recordedBefore);
    expect(sessionOf(runId).state().nowMs).toBe(before.nowMs);
    expect(sessionOf(runId).state().nodes).toEqual(before.nodes);

    // What the run does have is taken and recorded.
    expect(await service.call('nodeAction', { runId, node: 'n5', action: 'crash' })).toEqual({ nodes: ['n5'] });
    expect(await service.call('partition', { runId, spec: [['n1', 'n2'], ['n3', 'n4']] })).toMatchObject({ description: expect.stringContaining('{n1,n2}') });
    expect(recordedOf(runId)).toBe(recordedBefore + 2);
    const { summary } = await service.call('stopRun', { runId });

    // An ended run takes no more actions: one would be recorded after its end and break its replay.
    expect(await refused('nodeAction', { runId, node: 'n1', action: 'crash' })).toBe(`nodeAction: ${runId} has ended; its actions are over (start a new run)`);
    expect(await refused('heal', { runId })).toContain('has ended');
    expect(await refused('setConsistency', { runId, consistency: 'ap' })).toContain('has ended');
    const { files } = await service.call('exportRun', { runId });
    expect(summaryOfFiles(files)).toEqual(summary);
  });

  it('a live (threads) run refuses them too, and still exports', async () => {
    const { runId } = await service.call('startRun', { text: short.replace('durationMs: 3000', 'durationMs: 1500'), source: 'raft-healthy.yaml', runtime: 'threads', speed: 5, seed: 3 });
    expect(await refused('nodeAction', { runId, node: 'n9', action: 'crash' })).toBe('nodeAction: node names n9, but this run has nodes n1..n5');
    expect(await refused('partition', { runId, spec: [['n1', 'n2'], ['n2', 'n3']] })).toContain('puts n2 in two groups');
    expect(sessionOf(runId).state().nodes.every((node) => node.up)).toBe(true);
    const { summary } = await service.call('stopRun', { runId });
    expect(summary.runtime).toBe('threads');
    const { files } = await service.call('exportRun', { runId });
    expect(summaryOfFiles(files)).toEqual(summary);
  }, 60_000);
});

// ---- Generated payloads for every call ----------------------------------------------------------

const junk = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(undefined, NaN, Infinity, -0, 2 ** 53 + 1, '__proto__', 'constructor'));
const nodeName = fc.constantFrom('n0', 'n1', 'n3', 'n5', 'n6', 'n9', 'n10', 'N1', 'leader', '');
/** Values for each field the contract's requests have, by field name: some valid, most not. */
const fieldValues: Record<string, fc.Arbitrary<unknown>> = {
  runId: fc.constantFrom('run-1', 'run-0', 'run-999', 'run-', 'run-1 ', 'x', ''),
  node: nodeName,
  action: fc.constantFrom('crash', 'restart', 'pause', 'resume', 'explode', 'CRASH'),
  amnesia: fc.boolean(),
  spec: fc.oneof(fc.constantFrom('majority-minority', 'isolate-leader', 'bridge', 'one-way', 'ring', 'everything'), fc.array(fc.array(nodeName, { maxLength: 4 }), { maxLength: 4 })),
  change: fc.record(
    {
      drop: fc.oneof(fc.double({ min: -1, max: 2 }), fc.constant(1)),
      duplicate: fc.double({ min: 0, max: 1 }),
      latencyMs: fc.oneof(fc.record({ distribution: fc.constantFrom('fixed', 'uniform', 'nope'), value: fc.double() }), fc.constant({ distribution: 'lognormal', median: 5, p99: 1 })),
      link: fc.oneof(fc.record({ from: nodeName, to: nodeName }), fc.record({ between: fc.array(nodeName, { maxLength: 3 }) })),
    },
    { requiredKeys: [] },
  ),
  consistency: fc.constantFrom('cp', 'ap', 'ca', { write: 'quorum', read: 'lease' }, { write: 'local', read: 'nope' }, { write: 'quorum' }),
  speed: fc.oneof(fc.constantFrom('max', 'min', 0, 0.1, 100, 101), fc.double()),
  text: fc.oneof(fc.constantFrom('', 'protocol: raft\nnodes: 20', 'protocol: [', 'a: &a [*a, *a, *a]', 'protocol: raft\nfaults: [{ atMs: 1, crash: n9 }]', 'protocol: raft\nprotocolSettings: { electionTimeoutMs: [0, 0] }'), fc.string({ maxLength: 60 })),
  source: fc.oneof(fc.constantFrom('x.yaml', '../../etc/passwd', ''), fc.string({ maxLength: 20 })),
  seed: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double()),
  protocol: fc.constantFrom('raft', 'vr', 'paxos'),
  runtime: fc.constantFrom('sim', 'threads', 'process'),
  fileName: fc.constantFrom('h.edn', 'h.json', '', '/etc/passwd'),
  format: fc.constantFrom('auto', 'jepsen-edn', 'etcd-log', 'svg', 'png', 'pdf'),
  timeoutMs: fc.oneof(fc.constantFrom(0, 1, 600_001), fc.double()),
  checkId: fc.constantFrom('c-1', 'C 1', '', 'x'.repeat(65)),
  exportId: fc.constantFrom('e-1', 'E', '', '../x'),
  sweepId: fc.constantFrom('s-1', 'S', ''),
  chart: fc.constantFrom('throughput', 'latency', 'nope'),
  theme: fc.constantFrom('light', 'dark', 'neon'),
  base64: fc.oneof(fc.constantFrom('', 'UEsDBA==', '!!!!', Buffer.from('PK\x03\x04garbage').toString('base64')), fc.base64String({ maxLength: 40 })),
  seeds: fc.oneof(fc.constantFrom(0, 1, 1001, -1), fc.double()),
  firstSeed: fc.oneof(fc.integer({ min: -2, max: 2 }), fc.double()),
};

/** Values the target run takes, by field name, so that generated payloads also get past the contract's checks. */
const validValues: Record<string, fc.Arbitrary<unknown>> = {
  runId: fc.constant('run-1'),
  node: fc.constantFrom('n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n9'),
  action: fc.constantFrom('crash', 'restart', 'pause', 'resume'),
  spec: fc.oneof(fc.constantFrom('majority-minority', 'isolate-leader', 'bridge', 'one-way', 'ring'), fc.array(fc.subarray(['n1', 'n2', 'n3', 'n4', 'n5', 'n7'], { minLength: 1 }), { minLength: 2, maxLength: 3 })),
  change: fc.oneof(fc.record({ drop: fc.double({ min: 0, max: 1, noNaN: true }) }), fc.record({ reorder: fc.constant(0.2), link: fc.record({ between: fc.tuple(nodeName, nodeName) }) })),
  consistency: fc.constantFrom('cp', 'ap', { write: 'quorum', read: 'lease' }),
};

/** Calls a generated payload must not make: they would resume or end the run the payloads aim at, or start runs and sweeps that only cost time. */
const callsAimedElsewhere: ReadonlySet<LabCallName> = new Set(['resumeRun', 'stepRun', 'stopRun', 'setSpeed', 'startRun', 'startSweep']);

function payloadFor(call: LabCallName): fc.Arbitrary<unknown> {
  const keys = Object.keys((labCalls[call].request as unknown as { shape: Record<string, unknown> }).shape);
  const fields = Object.fromEntries(keys.map((key) => [key, fc.oneof({ weight: 4, arbitrary: fieldValues[key] ?? junk }, { weight: 1, arbitrary: junk })]));
  const record = fc.record(fields, { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>;
  const withExtra = fc.tuple(record, fc.constantFrom('extra', '__proto__', 'constructor'), junk).map(([payload, key, value]) => ({ ...payload, [key]: value }));
  // Near valid: every field the call has, each the run's own value or, now and then, a pool value.
  const nearValid = fc.record(Object.fromEntries(keys.map((key) => [key, validValues[key] === undefined ? (fields[key] as fc.Arbitrary<unknown>) : fc.oneof({ weight: 5, arbitrary: validValues[key] }, { weight: 1, arbitrary: fields[key] as fc.Arbitrary<unknown> })])));
  const payload = fc.oneof({ weight: 4, arbitrary: record }, { weight: 4, arbitrary: nearValid }, { weight: 1, arbitrary: withExtra }, { weight: 1, arbitrary: junk });
  // The calls that would disturb the target run get other runs' ids only.
  return callsAimedElsewhere.has(call) ? payload.map((generated) => (typeof generated === 'object' && generated !== null && (generated as { runId?: unknown }).runId === 'run-1' ? { ...generated, runId: 'run-2' } : generated)) : payload;
}

/**
 * Half the draws are one of the calls that act on the target run. Drawn evenly among all calls, 600 cases gave
 * nodeAction and partition about 5 and 3 accepted payloads, and one run in five accepted none of one of them
 * (CI failed on it); now each is drawn about 70 times.
 */
const callsOnTheRun: ReadonlySet<LabCallName> = new Set(['nodeAction', 'partition', 'heal', 'setNetwork', 'setConsistency']);
const generatedCall = fc
  .oneof(
    { weight: 1, arbitrary: fc.constantFrom(...(Object.keys(labCalls) as LabCallName[])) },
    { weight: 1, arbitrary: fc.constantFrom(...callsOnTheRun) },
  )
  .chain((call) => payloadFor(call).map((payload) => ({ call, payload })));

/** Raw errors a user must never see: they say the service broke, not what was wrong. */
const brokenErrorNames = ['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'URIError', 'AssertionError'];

describe('generated payloads for every call', () => {
  it('each is answered with a result of the contract or an error naming the problem; a refusal changes nothing; the run still exports', async () => {
    // run-1 of a fresh service: the run the generated runIds aim at.
    const fresh = new LabService();
    const accepted = new Map<LabCallName, number>();
    const previous = service;
    service = fresh;
    try {
      const { runId } = await fresh.call('startRun', { text: short, source: 'raft-healthy.yaml', speed: 1, seed: 5 });
      expect(runId).toBe('run-1');
      await fresh.call('pauseRun', { runId });
      await fc.assert(
        fc.asyncProperty(generatedCall, async ({ call, payload }) => {
          casesTried++;
          const recordedBefore = recordedOf(runId);
          const nowMsBefore = sessionOf(runId).state().nowMs;
          let outcome: { ok: true; result: unknown } | { ok: false; error: unknown };
          try {
            outcome = { ok: true, result: await fresh.call(call, payload) };
          } catch (error) {
            outcome = { ok: false, error };
          }
          if (outcome.ok) {
            accepted.set(call, (accepted.get(call) ?? 0) + 1);
            expect(labCalls[call].response.safeParse(outcome.result).success, `${call} answered outside its contract`).toBe(true);
            return;
          }
          const error = outcome.error as Error;
          expect(error).toBeInstanceOf(Error);
          expect(brokenErrorNames, `${call} ${JSON.stringify(payload)}: ${error.name}: ${error.message}`).not.toContain(error.name);
          expect(error.message.length).toBeGreaterThan(0);
          expect(error.message).not.toMatch(/\n\s+at /);
          expect(recordedOf(runId)).toBe(recordedBefore);
          expect(sessionOf(runId).state().nowMs).toBe(nowMsBefore);
        }),
        { numRuns: 600 },
      );
      console.info(`generated payloads accepted: ${JSON.stringify(Object.fromEntries(accepted))}`);
      // The generators reach past the contract's checks: actions on the run are taken, not only refused.
      expect(accepted.get('nodeAction') ?? 0).toBeGreaterThan(0);
      expect(accepted.get('partition') ?? 0).toBeGreaterThan(0);
      expect(recordedOf(runId)).toBeGreaterThan(0);
      const { summary } = await fresh.call('stopRun', { runId });
      const { files } = await fresh.call('exportRun', { runId });
      expect(summaryOfFiles(files)).toEqual(summary);
    } finally {
      service = previous;
      await fresh.close();
    }
  });

  it('over the WebSocket, the same payloads are each answered once and the server serves on', async () => {
    const server: WebServerHandle = await startWebServer(service);
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/lab?token=${server.token}`);
    await new Promise((done) => socket.once('open', done));
    const waiting = new Map<number, (answer: { ok: boolean }) => void>();
    socket.on('message', (data) => {
      const answer = JSON.parse(String(data)) as { id?: number; ok: boolean };
      if (typeof answer.id === 'number') waiting.get(answer.id)?.(answer);
    });
    let idNext = 0;
    try {
      await fc.assert(
        fc.asyncProperty(generatedCall, async ({ call, payload }) => {
          casesTried++;
          const id = ++idNext;
          const answer = await new Promise<{ ok: boolean; error?: string }>((done) => {
            waiting.set(id, done);
            socket.send(JSON.stringify({ id, call, payload }));
          });
          waiting.delete(id);
          expect(typeof answer.ok).toBe('boolean');
          if (!answer.ok) expect(answer.error).toEqual(expect.any(String));
        }),
        { numRuns: 200 },
      );
      await stillServing(server.port, server.token);
    } finally {
      socket.close();
      await server.close();
    }
  });
});
