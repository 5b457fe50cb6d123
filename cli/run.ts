import type { Command } from 'commander';
import { loadExperiment } from '../main/experimentFile';
import { nodeRunOptions } from '../workers/runOptions';
import { runToFolder } from '../main/runFiles';
import { runExperiment, runPassed } from '../src/experiment/run';
import { type Experiment, validateExperiment } from '../src/experiment/schema';
import type { RunSummary } from '../src/experiment/summary';
import { BadInput, integerOption } from './options';

export interface RunOverrides {
  readonly runtime?: string;
  readonly seed?: string;
  readonly durationMs?: string;
  readonly protocol?: string;
  readonly mode?: string;
}

/** The experiment with the command line's overrides, validated again as a whole. */
export function withOverrides(experiment: Experiment, overrides: RunOverrides, source: string): Experiment {
  const changed: Record<string, unknown> = { ...experiment };
  if (overrides.seed !== undefined) changed.seed = integerOption('--seed', overrides.seed);
  if (overrides.durationMs !== undefined) changed.durationMs = integerOption('--duration-ms', overrides.durationMs);
  if (overrides.protocol !== undefined) {
    changed.protocol = overrides.protocol;
    if (overrides.protocol !== experiment.protocol) changed.protocolSettings = {}; // settings are per protocol
  }
  if (overrides.mode !== undefined) changed.consistency = overrides.mode;
  if (overrides.runtime !== undefined) changed.runtime = overrides.runtime;
  const result = validateExperiment(changed, source);
  if (result.runtime === 'threads') throw new BadInput('--runtime threads: the live worker-thread runtime is not part of this build yet; use --runtime sim');
  return result;
}

/** A few human lines for a summary. */
export function describeSummary(summary: RunSummary): string {
  const v = summary.violations;
  const lines = [
    `${summary.experiment} · ${summary.protocol} · seed ${summary.seed} · ${summary.durationMs} ms simulated`,
    `ops: ${summary.ops.ok} ok, ${summary.ops.fail} fail, ${summary.ops.info} unknown · availability ${(summary.availability * 100).toFixed(1)}% · ${summary.throughputOpsPerSec.toFixed(1)} ops/s`,
    `latency ms: p50 ${summary.latencyMs.p50} · p95 ${summary.latencyMs.p95} · p99 ${summary.latencyMs.p99} · max ${summary.latencyMs.max}`,
    `violations: linearizability ${v.linearizability} (keys) · stale reads ${v.staleRead} · lost writes ${v.lostWrite} · monotonic reads ${v.monotonicRead} · read-your-writes ${v.readYourWrites} · diverged keys ${v.divergence}`,
    `messages: ${summary.messages.sent} sent · ${summary.messages.delivered} delivered · ${summary.messages.dropped} dropped · ${summary.messages.duplicated} duplicated · ${summary.messagesPerOp.toFixed(1)} per op`,
    `invariants broken: ${summary.invariantsBroken.length === 0 ? 'none' : summary.invariantsBroken.join('; ')}${summary.unsafe.length > 0 ? ` (unsafe switches on: ${summary.unsafe.join(', ')})` : ''}`,
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
    .option('--protocol <protocol>', 'raft | vr')
    .option('--mode <mode>', 'cp | ap')
    .option('--out <dir>', 'write the run folder there: experiment.yaml, summary.json, trace.jsonl, history.json/.edn, metrics.csv, charts/, report.html, bundle.zip')
    .option('--json', 'print the summary as one JSON object')
    .action((name: string, options: RunOverrides & { out?: string; json?: boolean }) => {
      const experiment = withOverrides(loadExperiment(name), options, name);
      const result = options.out !== undefined ? runToFolder(experiment, options.out, nodeRunOptions()) : runExperiment(experiment, nodeRunOptions());
      process.stdout.write(options.json === true ? `${JSON.stringify(result.summary)}\n` : `${describeSummary(result.summary)}\n`);
      process.exitCode = runPassed(result.summary) ? 0 : 1;
    });
}
