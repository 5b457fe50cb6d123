// A piscina task: one seed of a swarm (ARCHITECTURE §14), drawn, run in the simulator and judged off the main thread.
import type { SwarmOutcome, SwarmTask } from '../src/contract/worker';
import { drawSwarmExperiment } from '../src/swarm/draw';
import { runSwarmExperiment } from '../src/swarm/judge';
import { nodeRunOptions } from './runOptions';

export default function runSwarmSeed(task: SwarmTask): SwarmOutcome {
  const draw = drawSwarmExperiment(task.protocol, task.seed, task.unsafe);
  const { result, verdict } = runSwarmExperiment(draw.experiment, draw, nodeRunOptions());
  const summary = result.summary;
  return {
    seed: task.seed,
    passed: verdict.passed,
    failure: verdict.failure,
    safety: verdict.safety,
    liveness: verdict.liveness,
    ops: { ok: summary.ops.ok, fail: summary.ops.fail, info: summary.ops.info },
    traceSha256: summary.traceSha256,
    convergedByMs: draw.convergedByMs,
    ...(verdict.passed ? {} : { manifest: draw.experiment }),
  };
}
