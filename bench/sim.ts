import { performance } from 'node:perf_hooks';
import { RunController } from '../src/experiment/run';
import { validateExperiment } from '../src/experiment/schema';
import { SimCluster } from '../src/sim/cluster';
import { nativeTraceHasher } from '../workers/runOptions';
import { echoProtocol } from './echoProtocol';
import type { BenchResult } from './result';

const wallSeconds = 3;

/** Runs a controller in 100 ms slices until `wallSeconds` of wall time have passed. */
function drive(controller: RunController): { simulatedMs: number; wallMs: number } {
  const start = performance.now();
  while (performance.now() - start < wallSeconds * 1000 && !controller.done) controller.advance(100);
  return { simulatedMs: controller.nowMs, wallMs: performance.now() - start };
}

/** Delivered messages per wall second of the bare simulator (no protocol work). */
function baselineDeliveries(): number {
  const cluster = new SimCluster({ protocol: echoProtocol(64), nodes: 5, seed: 1, tickMs: 10, settings: {}, network: { latencyMs: { distribution: 'lognormal', median: 5, p99: 40 } }, checkInvariants: false });
  const start = performance.now();
  while (performance.now() - start < wallSeconds * 1000) cluster.runFor(50);
  return cluster.stats.delivered / ((performance.now() - start) / 1000);
}

/** A saturated cluster: many clients, a rate far above what it can serve, latency kept low. */
function saturated(protocol: 'raft' | 'vr', checkInvariants: boolean): { deliveriesPerSec: number; messagesPerOp: number } {
  const experiment = validateExperiment({
    protocol,
    nodes: 5,
    durationMs: 3_600_000,
    workload: { clients: 64, ratePerSec: 100_000, keys: 10, timeoutMs: 1000 },
    network: { latencyMs: { distribution: 'uniform', min: 0.5, max: 1.5 }, clientLatencyMs: { distribution: 'fixed', value: 0.2 } },
  });
  const controller = new RunController(experiment, { hasher: nativeTraceHasher(), ...(checkInvariants ? {} : { checkInvariants: false }) });
  const { wallMs } = drive(controller);
  const stats = controller.cluster.stats;
  const ops = controller.recorder.operations().length;
  return { deliveriesPerSec: stats.delivered / (wallMs / 1000), messagesPerOp: ops === 0 ? 0 : stats.sent / ops };
}

/** Simulated seconds per wall second: 5 nodes at 1k ops/s. */
function speedup(protocol: 'raft' | 'vr'): number {
  const experiment = validateExperiment({ protocol, nodes: 5, durationMs: 3_600_000, workload: { clients: 32, ratePerSec: 1000, keys: 10 } });
  const controller = new RunController(experiment, { hasher: nativeTraceHasher() });
  const { simulatedMs, wallMs } = drive(controller);
  return simulatedMs / wallMs;
}

export async function runSimDeliveries(): Promise<BenchResult[]> {
  const baseline = baselineDeliveries();
  const results: BenchResult[] = [];
  for (const protocol of ['raft', 'vr'] as const) {
    for (const checking of [true, false]) {
      const { deliveriesPerSec, messagesPerOp } = saturated(protocol, checking);
      results.push({
        bench: `sim-deliveries${protocol === 'vr' ? '-vr' : ''}${checking ? '' : '-no-invariants'}`,
        value: Math.round(deliveriesPerSec),
        unit: 'msgs/s',
        baseline: Math.round(baseline),
        ratio: +(deliveriesPerSec / baseline).toFixed(3),
        note: `${protocol}, 5 nodes, saturated; invariants ${checking ? 'checked after every step' : 'off'}; ${messagesPerOp.toFixed(1)} messages per operation; baseline = the same simulator forwarding messages with no protocol`,
      });
    }
  }
  return results;
}

export async function runSimSpeedup(): Promise<BenchResult[]> {
  return (['raft', 'vr'] as const).map((protocol) => {
    const value = speedup(protocol);
    return { bench: `sim-speedup${protocol === 'vr' ? '-vr' : ''}`, value: +value.toFixed(1), unit: '× real time', baseline: 1000, ratio: +(value / 1000).toFixed(3), note: `${protocol}, 5 nodes, 1k ops/s offered; baseline = the 1000× goal` };
  });
}
