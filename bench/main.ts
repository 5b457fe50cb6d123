// `npm run bench [-- NAME...]`: every benchmark, or the named ones. Each prints, last, one JSON
// line per measure with its baseline measured in the same run (ARCHITECTURE §12).
import { runBus } from './bus';
import { run as runChecker } from './checker';
import { runCheckerLarge } from './checkerLarge';
import type { BenchResult } from './result';
import { runSimBare, runSimDeliveries, runSimSpeedup } from './sim';
import { runStartup } from './startup';
import { runSwarmBench } from './swarm';
import { runUiFrames } from './uiFrames';

const benches: Record<string, () => Promise<BenchResult[]>> = {
  'sim-bare': runSimBare,
  'sim-deliveries': runSimDeliveries,
  'sim-speedup': runSimSpeedup,
  checker: runChecker,
  bus: runBus,
  'checker-large': runCheckerLarge,
  'ui-frames': runUiFrames,
  swarm: runSwarmBench,
  'run-startup': runStartup,
};

async function main(names: string[]): Promise<void> {
  const unknown = names.filter((name) => !(name in benches));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(benches).join(', ')}\n`);
    process.exit(2);
  }
  for (const name of names.length > 0 ? names : Object.keys(benches)) {
    const results = await (benches[name] as () => Promise<BenchResult[]>)();
    for (const result of results) process.stdout.write(`${JSON.stringify(result)}\n`);
  }
}

void main(process.argv.slice(2));
