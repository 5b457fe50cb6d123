import type { Command } from 'commander';
import { loadExperiment } from '../main/experimentFile';
import { nodeRunOptions } from '../workers/runOptions';
import { removeTemporaryRunFolders } from '../main/runFolder';
import { type RunResult, runExperiment, runPassed } from '../src/experiment/run';
import { timeScaleMax, timeScaleMin } from '../main/lab/labClock';
import { type Experiment, protocolChange, validateExperiment } from '../src/experiment/schema';
import { type RunSummary, shownOrReason } from '../src/experiment/summary';
import { violationCounts } from '../src/checker/violationKinds';
import { groupInvariants, invariantGroupLine } from '../src/metrics/storyText';
import { BadInput, integerOption } from './options';

export interface RunOverrides {
  readonly runtime?: string;
  readonly seed?: string;
  readonly durationMs?: string;
  readonly protocol?: string;
  readonly mode?: string;
}

/** The experiment with the command line's overrides, validated again as a whole. */
export function withOverrides(experiment: Experiment, overrides: RunOverrides, source: string, runtimes: ReadonlyArray<Experiment['runtime']> = ['sim']): Experiment {
  const changed: Record<string, unknown> = { ...experiment };
  if (overrides.seed !== undefined) changed.seed = integerOption('--seed', overrides.seed);
  if (overrides.durationMs !== undefined) changed.durationMs = integerOption('--duration-ms', overrides.durationMs);
  Object.assign(changed, protocolChange(experiment.protocol, overrides.protocol));
  if (overrides.mode !== undefined) changed.consistency = overrides.mode;
  if (overrides.runtime !== undefined) changed.runtime = overrides.runtime;
  const result = validateExperiment(changed, source);
  if (!runtimes.includes(result.runtime)) throw new BadInput(`--runtime ${result.runtime}: this command runs in the simulator only; use --runtime sim`);
  return result;
}

/**
 * Per key with oracle findings, why the checker's verdict stands beside them (ARCHITECTURE §6); a
 * finding that contradicts a "linearizable" key is a bug and says so first.
 */
export function keyExplanationLines(summary: Pick<RunSummary, 'keyExplanations'>): string[] {
  const explanations = summary.keyExplanations ?? [];
  const contradicting = explanations.reduce((sum, key) => sum + key.contradicting, 0);
  return [
    ...(contradicting > 0 ? [`BUG: ${contradicting} oracle findings contradict the checker's "linearizable" (see the keys below); please report it with this run's seed`] : []),
    ...explanations.map((key) => `  ${key.sentence}`),
  ];
}

/**
 * Broken invariants grouped by kind, as the Results screen shows them: one line per kind with its
 * indices, replicas and first sentence. The whole list (hundreds of sentences when Figure 8 rewrites
 * a run of indices) is in `--json`.
 */
function invariantLines(summary: RunSummary): string[] {
  const unsafe = summary.unsafe.length > 0 ? ` (unsafe switches on: ${summary.unsafe.join(', ')})` : '';
  if (summary.invariantsBroken.length === 0) return [`invariants broken: none${unsafe}`];
  const groups = groupInvariants(summary.invariantsBroken);
  return [
    `invariants broken: ${summary.invariantsBroken.length}, in ${groups.length} ${groups.length === 1 ? 'kind' : 'kinds'}${unsafe}; every sentence is in --json`,
    ...groups.map((group) => `  ${invariantGroupLine(group)}: e.g. ${group.example}`),
  ];
}

/** A few human lines for a summary. */
export function describeSummary(summary: RunSummary): string {
  const v = summary.violations;
  const percent = (path: string, value: number | null) => shownOrReason(summary, path, value, (fraction) => `${(fraction * 100).toFixed(1)}%`);
  const latency = (path: string, value: RunSummary['latencyMs']) => (value === null ? shownOrReason(summary, path, null, String) : `p50 ${value.p50} · p95 ${value.p95} · p99 ${value.p99} · max ${value.max}`);
  const lines = [
    `${summary.experiment} · ${summary.protocol} · seed ${summary.seed} · ${summary.durationMs} ms ${summary.runtime === 'threads' ? 'live (worker threads)' : 'simulated'}`,
    `ops: ${summary.ops.ok} ok, ${summary.ops.fail} fail, ${summary.ops.info} unknown, ${summary.offered.missed} missed (offered, never issued)`,
    `availability ${percent('availability', summary.availability)} (answered within the timeout ÷ offered) · majority side ${percent('availabilityBySide.majority', summary.availabilityBySide.majority)} · minority side ${percent('availabilityBySide.minority', summary.availabilityBySide.minority)}`,
    `throughput: offered ${summary.offeredOpsPerSec.toFixed(1)} ops/s · achieved ${summary.throughputOpsPerSec.toFixed(1)} ok/s`,
    `latency ms from the intended start: ${latency('latencyMs', summary.latencyMs)} · uncorrected (from the issue): ${latency('latencyMsUncorrected', summary.latencyMsUncorrected)}`,
    `violations: ${violationCounts.map(({ key, label }) => `${label} ${shownOrReason(summary, `violations.${key}`, v[key], String)}`).join(' · ')}`,
    ...keyExplanationLines(summary),
    `messages: ${summary.messages.sent} sent · ${summary.messages.delivered} delivered · ${summary.messages.dropped} dropped · ${summary.messages.duplicated} duplicated · ${summary.messagesPerOp.toFixed(1)} per op`,
    ...invariantLines(summary),
    ...(summary.clusterInvariants === undefined ? [] : [`cluster invariants sampled: checked ${summary.clusterInvariants.checkCount} times, every ${summary.clusterInvariants.everyMs} ms of lab time and at the end (per-replica invariants after every input)`]),
    ...summary.expectations.map((e) => `expect ${e.expr}: ${e.holds ? 'holds' : `FAILS (actual ${e.actual ?? 'missing'})`}`),
    `traceSha256 ${summary.traceSha256}`,
  ];
  return lines.join('\n');
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run an experiment (a preset name or a YAML/JSON file) and print its summary')
    .argument('<experiment>', 'preset name or experiment file')
    .option('--runtime <runtime>', 'sim | threads')
    .option('--seed <n>', 'seed (same experiment + seed = same trace)')
    .option('--duration-ms <n>', 'simulated duration')
    .option('--protocol <protocol>', 'raft | vr | paxos')
    .option('--mode <mode>', 'cp | ap')
    .option('--out <dir>', 'write the run folder there: experiment.yaml, summary.json, trace.jsonl, history.json/.edn, metrics.csv, charts/, report.html, bundle.zip')
    .option('--json', 'print the summary as one JSON object')
    .option('--time-scale <x>', 'threads only: lab ms per wall ms, 0.1..100 (default: the experiment\'s speed, 1 when it is max)')
    .action(async (name: string, options: RunOverrides & { out?: string; json?: boolean; timeScale?: string }) => {
      const experiment = withOverrides(loadExperiment(name), options, name, ['sim', 'threads']);
      if (options.out !== undefined) removeRunFolderOnSignal();
      // The run folder's writers (charts, ECharts, the bundle) and the live runtime load only when asked for.
      const result = experiment.runtime === 'threads' ? await runThreads(experiment, options) : options.out !== undefined ? await (await import('../main/runFiles')).runToFolder(experiment, options.out, nodeRunOptions()) : runExperiment(experiment, nodeRunOptions());
      process.stdout.write(options.json === true ? `${JSON.stringify(result.summary)}\n` : `${describeSummary(result.summary)}\n`);
      process.exitCode = runPassed(result.summary) ? 0 : 1;
    });
}

/**
 * The live runtime: one worker thread per replica, in real time (durationMs of lab time takes
 * durationMs ÷ time scale of wall time, plus the settling period), checked in the checker pool;
 * with `--out`, the same run folder as a simulator run.
 */
async function runThreads(experiment: Experiment, options: { out?: string; timeScale?: string }): Promise<RunResult> {
  let timeScale: number | undefined;
  if (options.timeScale !== undefined) {
    timeScale = Number(options.timeScale);
    if (!Number.isFinite(timeScale) || timeScale < timeScaleMin || timeScale > timeScaleMax) throw new BadInput(`--time-scale must be a number in ${timeScaleMin}..${timeScaleMax}, got ${options.timeScale}`);
  }
  const [{ openRunFolder }, { CheckerPool }, { ThreadsRun }] = await Promise.all([import('../main/runFiles'), import('../main/lab/checkerPool'), import('../main/lab/threadsRun')]);
  // The run folder streams the trace while the run goes, as for a simulator run.
  const folder = options.out === undefined ? null : openRunFolder(experiment, options.out, 'threads');
  const pool = new CheckerPool();
  let finished = false;
  try {
    const run = new ThreadsRun(experiment, {
      linearizability: (operations) => pool.checkLabHistory(operations),
      ...(timeScale === undefined ? {} : { timeScale }),
      ...(folder === null ? {} : { trace: folder.trace }),
    });
    const result = await run.run();
    finished = true;
    folder?.finish(result);
    return result;
  } finally {
    if (!finished) folder?.discard();
    await pool.destroy();
  }
}

/**
 * SIGINT and SIGTERM remove the run folder being written (it is still in its temporary folder)
 * and end the process as the signal would (exit 130 / 143); nothing half-written is left.
 */
function removeRunFolderOnSignal(): void {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      removeTemporaryRunFolders();
      process.stderr.write(`caplab: ${signal}: stopped; the run folder was not written\n`);
      process.exit(code);
    });
  }
}
