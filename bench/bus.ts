// `npm run bench -- bus` (DESIGN §12): messages per second carried replica → bus → replica by the
// live runtime's bus with faults on (latency, reordering) and nothing dropped, against the raw
// batched postMessage path between the same worker threads, measured in the same run.
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { type NodeId, nodeIds } from '../src/base/ids';
import { prngStream } from '../src/base/prng';
import { validateExperiment } from '../src/experiment/schema';
import type { Outbound } from '../src/protocol/replica';
import type { FromReplicaWorker, ReplicaInput, ReplicaWorkerData, ToReplicaWorker } from '../workers/replica.worker';
import { Bus } from '../main/lab/bus';
import { LabClock } from '../main/lab/labClock';
import { workerEntry } from '../main/lab/workerEntry';
import { echoProtocol } from './echoProtocol';
import type { BenchResult } from './result';

/** Messages each echo replica starts with; they circle the ring for the whole benchmark. */
const messagesInFlightPerNode = 2000;
/** What the replica workers host when they load this module: no protocol work, only forwarding. */
export const protocol = echoProtocol(messagesInFlightPerNode);

const nodes = 5;
const measureWallMs = 3000;
const warmupWallMs = 500;

type Mode = 'raw' | 'bus';

/** Five echo replicas in worker threads; main forwards their batches raw or through the bus. */
async function startCluster(): Promise<{ workers: Worker[]; setMode(mode: Mode): void; counted(): number; bus: Bus; stop(): Promise<void> }> {
  const ids = nodeIds(nodes);
  const experiment = validateExperiment({ protocol: 'raft', nodes });
  const clock = new LabClock(1);
  const bus = new Bus({
    ids,
    clock,
    faults: { latencyMs: { distribution: 'uniform', min: 0.5, max: 1.5 }, dropProbability: 0, duplicateProbability: 0, reorderProbability: 0.1 },
    networkPrng: prngStream(1, 'network'),
    clientLatencyMs: { distribution: 'fixed', value: 0.5 },
    clientPrng: prngStream(1, 'client-links'),
    messageKind: () => 'echo',
    onReply: () => {},
  });
  const entry = workerEntry('replica');
  let mode: Mode = 'raw';
  let forwarded = 0;
  const workers = ids.map((id) => {
    const data: ReplicaWorkerData = { role: 'replica', experiment, id, disk: null, incarnation: 0, time: clock.time, clock: { atLabUs: 0, offsetUs: 0, driftPpm: 0 }, paused: false, checkInvariants: false, protocolModule: resolve(__dirname, 'bus.ts') };
    return new Worker(entry.filename, { execArgv: entry.execArgv, workerData: data });
  });
  const indexOf = new Map<NodeId, number>(ids.map((id, index) => [id, index]));
  // The raw path: each incoming batch split by destination, one postMessage per destination.
  const forwardRaw = (messages: ReadonlyArray<Outbound<unknown>>, from: NodeId) => {
    const byDestination = new Map<number, ReplicaInput[]>();
    for (const { to, message } of messages) {
      const index = indexOf.get(to) as number;
      let inputs = byDestination.get(index);
      if (inputs === undefined) byDestination.set(index, (inputs = []));
      inputs.push({ kind: 'deliver', from, message });
    }
    for (const [index, inputs] of byDestination) (workers[index] as Worker).postMessage({ kind: 'inputs', inputs } satisfies ToReplicaWorker);
    forwarded += messages.length;
  };
  const started = workers.map(
    (worker, index) =>
      new Promise<void>((ready) => {
        const id = ids[index] as NodeId;
        bus.attach(id, { post: (inputs) => worker.postMessage({ kind: 'inputs', inputs } satisfies ToReplicaWorker) });
        worker.on('message', (message: FromReplicaWorker) => {
          ready();
          if (message.kind !== 'outputs') return;
          if (mode === 'raw') forwardRaw(message.messages, id);
          else bus.send(id, message.messages);
        });
      }),
  );
  await Promise.all(started);
  clock.setRunning(true);
  for (const worker of workers) worker.postMessage({ kind: 'time', time: clock.time } satisfies ToReplicaWorker);
  bus.clockChanged();
  return {
    workers,
    bus,
    setMode: (next) => void (mode = next),
    counted: () => (mode === 'raw' ? forwarded : bus.stats.delivered),
    stop: async () => {
      bus.stop();
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Messages per wall second counted over `measureWallMs` after a warm-up. */
async function measure(counted: () => number): Promise<number> {
  await sleep(warmupWallMs);
  const before = counted();
  const start = performance.now();
  await sleep(measureWallMs);
  return (counted() - before) / ((performance.now() - start) / 1000);
}

export async function runBus(): Promise<BenchResult[]> {
  const cluster = await startCluster();
  try {
    cluster.setMode('raw');
    const raw = await measure(cluster.counted);
    cluster.setMode('bus');
    const carried = await measure(cluster.counted);
    const stats = cluster.bus.stats;
    return [
      {
        bench: 'bus',
        value: Math.round(carried),
        unit: 'msgs/s',
        baseline: Math.round(raw),
        ratio: +(carried / raw).toFixed(3),
        note: `5 echo replicas in worker threads, ${nodes * messagesInFlightPerNode} messages circling; bus: latency uniform 0.5–1.5 ms, reorder 0.1, ${stats.dropped} dropped, time scale 1; baseline = the same threads with main forwarding each batch raw (one postMessage per destination); goals ≥ 200k msgs/s and ratio ≥ 0.5`,
      },
    ];
  } finally {
    await cluster.stop();
  }
}
