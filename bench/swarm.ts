import { performance } from 'node:perf_hooks';
import type { LinearizabilityCheck } from '../src/experiment/run';
import { drawSwarmExperiment, swarmProtocols } from '../src/swarm/draw';
import { runSwarmExperiment } from '../src/swarm/judge';
import { nativeTraceHasher, swarmLinearizability } from '../workers/runOptions';
import type { BenchResult } from './result';

/** CPU seconds each protocol is measured for (one thread: seeds per CPU minute, on one core). */
const cpuSeconds = 20;
const wallSecondsMax = 120;

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/**
 * `npm run bench -- swarm` (ARCHITECTURE §12): swarm seeds per CPU minute for each protocol, run as a
 * swarm worker runs them, and the share of that time spent outside the simulator — drawing the
 * experiment and the end-of-run linearizability check (the oracle's pass over the history and the
 * verdict are counted inside: they run within the run's summary and are small). The baseline of the share is the
 * whole time (1).
 */
export async function runSwarmBench(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const protocol of swarmProtocols) {
    let outsideMs = 0;
    const linearizability: LinearizabilityCheck = (operations) => {
      const start = performance.now();
      try {
        return swarmLinearizability(operations);
      } finally {
        outsideMs += performance.now() - start;
      }
    };
    const cpuStart = cpuMs();
    const wallStart = performance.now();
    let seeds = 0;
    let wallMs = 0;
    while (cpuMs() - cpuStart < cpuSeconds * 1000 && performance.now() - wallStart < wallSecondsMax * 1000) {
      const seed = seeds + 1;
      const seedStart = performance.now();
      const draw = drawSwarmExperiment(protocol, seed, []);
      outsideMs += performance.now() - seedStart;
      runSwarmExperiment(draw.experiment, draw, { hasher: nativeTraceHasher(), linearizability, sessionGuarantees: false });
      wallMs += performance.now() - seedStart;
      seeds++;
    }
    const cpu = cpuMs() - cpuStart;
    results.push({ bench: `swarm-${protocol}`, value: Math.round((seeds / cpu) * 60_000 * 10) / 10, unit: 'seeds/cpu-min', note: `${seeds} seeds (1..${seeds}) in ${(cpu / 1000).toFixed(1)} CPU s` });
    results.push({ bench: `swarm-${protocol}-outside-sim`, value: Math.round((outsideMs / wallMs) * 1000) / 1000, unit: 'share of time', baseline: 1, ratio: Math.round((outsideMs / wallMs) * 1000) / 1000, note: 'drawing the experiment, the linearizability check and the verdict, of the time per seed' });
  }
  return results;
}
