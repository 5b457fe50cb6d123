// `npm run bench -- bus` (ARCHITECTURE §12): messages per second carried replica → bus → replica by the
// live runtime's bus with faults on (latency, reordering) and nothing dropped, against the raw
// batched postMessage path between the same worker threads, measured in the same run.
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { type NodeId, nodeIds } from '../src/base/ids';
import { prngStream } from '../src/base/prng';
import { validateExperiment } from '../src/experiment/schema';
import type { FromReplicaWorker, InputBatch, ProtocolRecord, ReplicaWorkerData, ToReplicaWorker } from '../src/contract/worker';
import { Bus } from '../main/lab/bus';
import { LabClock } from '../main/lab/labClock';
import { workerEntry } from '../main/lab/workerEntry';
import busProtocolModule from './busProtocol?modulePath';
import { messagesInFlightPerNode } from './busProtocol';
import type { BenchResult } from './result';

const nodes = 5;
const measureWallMs = 1500;
const warmupWallMs = 300;
const rounds = 3;

type Mode = 'raw' | 'bus';

/** Five echo replicas in worker threads; main forwards their batches raw or through the bus. */
interface Cluster {
  readonly workers: Worker[];
  readonly bus: Bus;
  setMode(mode: Mode): void;
  /** Messages carried so far in the current mode's counter. */
  counted(): number;
  /** postMessages main sent to the workers so far. */
  posts(): number;
  stop(): Promise<void>;
}

async function startCluster(): Promise<Cluster> {
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
    isHeartbeat: () => false,
    onReply: () => {},
  });
  const entry = workerEntry('replica');
  let mode: Mode = 'raw';
  let forwarded = 0;
  const workers = ids.map((id) => {
    const data: ReplicaWorkerData = { role: 'replica', experiment, id, disk: null, incarnation: 0, time: clock.time, clock: { atLabUs: 0, offsetUs: 0, driftPpm: 0 }, paused: false, checkInvariants: false, protocolModule: busProtocolModule };
    return new Worker(entry.filename, { execArgv: entry.execArgv, workerData: data });
  });
  let posts = 0;
  const post = (index: number, batch: InputBatch) => {
    posts++;
    (workers[index] as Worker).postMessage({ kind: 'inputs', batch } satisfies ToReplicaWorker);
  };
  const indexOf = new Map<NodeId, number>(ids.map((id, index) => [id, index]));
  // The raw path: each incoming batch split by destination, one postMessage per destination.
  const forwardRaw = (to: readonly number[], messages: readonly ProtocolRecord[], from: NodeId) => {
    const fromIndex = indexOf.get(from) as number;
    const batches = new Map<number, InputBatch>();
    for (let position = 0; position < messages.length; position++) {
      const index = to[position] as number;
      let batch = batches.get(index);
      if (batch === undefined) batches.set(index, (batch = { senders: [], payloads: [] }));
      batch.senders.push(fromIndex);
      batch.payloads.push(messages[position] as ProtocolRecord);
    }
    for (const [index, batch] of batches) post(index, batch);
    forwarded += messages.length;
  };
  const started = workers.map(
    (worker, index) =>
      new Promise<void>((ready) => {
        const id = ids[index] as NodeId;
        bus.attach(id, { post: (batch) => post(index, batch) });
        worker.on('message', (message: FromReplicaWorker) => {
          ready();
          if (message.kind !== 'outputs') return;
          if (mode === 'raw') forwardRaw(message.to, message.messages, id);
          else bus.send(id, message.to, message.messages);
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
    posts: () => posts,
    counted: () => (mode === 'raw' ? forwarded : bus.stats.delivered),
    stop: async () => {
      bus.stop();
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Messages and postMessages per wall second over `measureWallMs`, after `warmupWallMs` in that mode. */
async function measure(cluster: Cluster, mode: Mode): Promise<{ messagesPerSec: number; postsPerSec: number }> {
  cluster.setMode(mode);
  await sleep(warmupWallMs);
  const before = { messages: cluster.counted(), posts: cluster.posts() };
  const start = performance.now();
  await sleep(measureWallMs);
  const seconds = (performance.now() - start) / 1000;
  return { messagesPerSec: (cluster.counted() - before.messages) / seconds, postsPerSec: (cluster.posts() - before.posts) / seconds };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

export async function runBus(): Promise<BenchResult[]> {
  const cluster = await startCluster();
  try {
    // The two modes alternate, so a neighbour's burst on this shared machine lands on both.
    const raw: Array<{ messagesPerSec: number; postsPerSec: number }> = [];
    const carried: Array<{ messagesPerSec: number; postsPerSec: number }> = [];
    for (let round = 0; round < rounds; round++) {
      raw.push(await measure(cluster, 'raw'));
      carried.push(await measure(cluster, 'bus'));
    }
    const rawMedian = median(raw.map((r) => r.messagesPerSec));
    const busMedian = median(carried.map((r) => r.messagesPerSec));
    const perPost = (results: typeof raw) => Math.round(median(results.map((r) => r.messagesPerSec / r.postsPerSec)));
    const stats = cluster.bus.stats;
    return [
      {
        bench: 'bus',
        value: Math.round(busMedian),
        unit: 'msgs/s',
        baseline: Math.round(rawMedian),
        ratio: +(busMedian / rawMedian).toFixed(3),
        note: `5 echo replicas in worker threads, ${nodes * messagesInFlightPerNode} messages circling; medians of ${rounds} alternating ${measureWallMs} ms windows; bus: latency uniform 0.5–1.5 ms, reorder 0.1, ${stats.dropped} dropped, time scale 1, ~${perPost(carried)} messages per postMessage to a worker; baseline = the same threads with main forwarding each batch raw (one postMessage per destination, ~${perPost(raw)} messages each); load average ${loadavg()[0]?.toFixed(2)} on ${availableParallelism()} cores; goals ≥ 200k msgs/s and ratio ≥ 0.5`,
      },
    ];
  } finally {
    await cluster.stop();
  }
}
