import { performance } from 'node:perf_hooks';
import { RunController } from '../src/experiment/run';
import { validateExperiment } from '../src/experiment/schema';
import { SimCluster } from '../src/sim/cluster';
import { nativeTraceHasher } from '../workers/runOptions';
import { echoProtocol } from './echoProtocol';
import type { BenchResult } from './result';

/** How long each measure runs, in CPU seconds of this process. */
const cpuSeconds = 3;
/** A measure also stops after this much wall time, should the machine starve the process. */
const wallSecondsMax = 30;

/**
 * CPU time (user + system, ms) this process has used. Measures are per CPU second, "on one core":
 * on a machine shared with other work, wall time mostly measures the neighbours.
 */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Runs `slice` until `cpuSeconds` of CPU time have passed; returns the CPU ms it took. */
function measure(slice: () => boolean): number {
  const cpuStart = cpuMs();
  const wallStart = performance.now();
  while (cpuMs() - cpuStart < cpuSeconds * 1000 && performance.now() - wallStart < wallSecondsMax * 1000) if (!slice()) break;
  return cpuMs() - cpuStart;
}

/** Runs a controller in 100 ms slices for `cpuSeconds` of CPU time. */
function drive(controller: RunController): { simulatedMs: number; usedMs: number } {
  const usedMs = measure(() => {
    controller.advance(100);
    return !controller.done;
  });
  return { simulatedMs: controller.nowMs, usedMs };
}

/** Delivered messages and events per CPU second of the bare simulator (no protocol work). */
function bare(): { deliveriesPerSec: number; eventsPerSec: number } {
  const cluster = new SimCluster({ protocol: echoProtocol(64), nodes: 5, seed: 1, tickMs: 10, settings: {}, network: { latencyMs: { distribution: 'lognormal', median: 5, p99: 40 } }, checkInvariants: false });
  const usedMs = measure(() => {
    cluster.runFor(50);
    return true;
  });
  return { deliveriesPerSec: cluster.stats.delivered / (usedMs / 1000), eventsPerSec: cluster.eventCount / (usedMs / 1000) };
}

function baselineDeliveries(): number {
  return bare().deliveriesPerSec;
}

/** The goal of issue #20 for the bare simulator, in events per CPU second. */
const bareEventsGoal = 4_000_000;

export async function runSimBare(): Promise<BenchResult[]> {
  const { eventsPerSec } = bare();
  return [
    {
      bench: 'sim-bare',
      value: Math.round(eventsPerSec),
      unit: 'events/s',
      baseline: bareEventsGoal,
      ratio: +(eventsPerSec / bareEventsGoal).toFixed(3),
      note: 'per CPU second; the simulator alone (echo protocol: 5 nodes, 64 messages in flight each, lognormal latency); baseline = the 4M events/s goal',
    },
  ];
}

type Protocol = 'raft' | 'vr' | 'paxos';
const protocols: readonly Protocol[] = ['raft', 'vr', 'paxos'];
/** Raft's measures keep their short names (sim-deliveries); the others carry the protocol (sim-deliveries-vr, -paxos). */
const suffix = (protocol: Protocol): string => (protocol === 'raft' ? '' : `-${protocol}`);

/** A saturated cluster: many clients, a rate far above what it can serve, latency kept low. */
function saturated(protocol: Protocol, checkInvariants: boolean): { deliveriesPerSec: number; messagesPerOp: number } {
  const experiment = validateExperiment({
    protocol,
    nodes: 5,
    durationMs: 3_600_000,
    workload: { clients: 64, ratePerSec: 100_000, keys: 10, timeoutMs: 1000 },
    network: { latencyMs: { distribution: 'uniform', min: 0.5, max: 1.5 }, clientLatencyMs: { distribution: 'fixed', value: 0.2 } },
  });
  const controller = new RunController(experiment, { hasher: nativeTraceHasher(), ...(checkInvariants ? {} : { checkInvariants: false }) });
  const { usedMs } = drive(controller);
  const stats = controller.cluster.stats;
  const ops = controller.core.recorder.operations().length;
  return { deliveriesPerSec: stats.delivered / (usedMs / 1000), messagesPerOp: ops === 0 ? 0 : stats.sent / ops };
}

/** Simulated seconds per wall second at 5 nodes and 1k ops/s, and the simulator events each simulated second takes. */
function speedup(protocol: Protocol): { speedup: number; eventsPerSimulatedSec: number } {
  const experiment = validateExperiment({ protocol, nodes: 5, durationMs: 3_600_000, workload: { clients: 32, ratePerSec: 1000, keys: 10 } });
  const controller = new RunController(experiment, { hasher: nativeTraceHasher() });
  const { simulatedMs, usedMs } = drive(controller);
  return { speedup: simulatedMs / usedMs, eventsPerSimulatedSec: controller.cluster.eventCount / (simulatedMs / 1000) };
}

export async function runSimDeliveries(): Promise<BenchResult[]> {
  const baseline = baselineDeliveries();
  const results: BenchResult[] = [];
  for (const protocol of protocols) {
    for (const checking of [true, false]) {
      const { deliveriesPerSec, messagesPerOp } = saturated(protocol, checking);
      results.push({
        bench: `sim-deliveries${suffix(protocol)}${checking ? '' : '-no-invariants'}`,
        value: Math.round(deliveriesPerSec),
        unit: 'msgs/s',
        baseline: Math.round(baseline),
        ratio: +(deliveriesPerSec / baseline).toFixed(3),
        note: `per CPU second; ${protocol}, 5 nodes, saturated; invariants ${checking ? 'checked after every step' : 'off'}; ${messagesPerOp.toFixed(1)} messages per operation; baseline = the same simulator forwarding messages with no protocol`,
      });
    }
  }
  return results;
}

export async function runSimSpeedup(): Promise<BenchResult[]> {
  return protocols.map((protocol) => {
    const { speedup: value, eventsPerSimulatedSec } = speedup(protocol);
    return {
      bench: `sim-speedup${suffix(protocol)}`,
      value: +value.toFixed(1),
      unit: '× real time',
      baseline: 1000,
      ratio: +(value / 1000).toFixed(3),
      // 1000× needs 1000 × this many events per wall second: the figure to set against sim-deliveries' bare-simulator baseline.
      note: `simulated time per CPU time; ${protocol}, 5 nodes, 1k ops/s offered; ${Math.round(eventsPerSimulatedSec)} simulator events per simulated second; baseline = the 1000× goal`,
    };
  });
}
