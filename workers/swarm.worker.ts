// A piscina task: one seed of a swarm (ARCHITECTURE §14), drawn, run in the simulator and judged off the main thread.
import type { UnsafeSwitch } from '../src/protocol/replica';
import { drawSwarmExperiment, type SwarmProtocol } from '../src/swarm/draw';
import { runSwarmExperiment, type SwarmFailure } from '../src/swarm/judge';
import type { Experiment } from '../src/experiment/schema';
import { nodeRunOptions } from './runOptions';

export interface SwarmTask {
  readonly protocol: SwarmProtocol;
  readonly seed: number;
  readonly unsafe: readonly UnsafeSwitch[];
}

export interface SwarmOutcome {
  readonly seed: number;
  readonly passed: boolean;
  readonly failure: SwarmFailure | null;
  readonly safety: readonly string[];
  readonly liveness: readonly string[];
  readonly ops: { readonly ok: number; readonly fail: number; readonly info: number };
  readonly traceSha256: string;
  /** Where the liveness phase's bound ends, ms. */
  readonly convergedByMs: number;
  /** The drawn experiment, for a failing seed: its parameter manifest. */
  readonly manifest?: Experiment;
}

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
