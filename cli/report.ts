import { stringify as stringifyYaml } from 'yaml';

/**
 * The report of a run over seeds (`caplab sweep`, `caplab swarm`) as one function of its seeds'
 * results, so that `caplab merge` prints, from shard files, exactly what the unsharded run prints.
 */

/** One seed's `--json` line: the seed, its verdict, and whatever the command reports of it. */
export interface SeedLine {
  readonly seed: number;
  readonly passed: boolean;
  readonly [field: string]: unknown;
}

export type ReportCommand = 'sweep' | 'swarm';

/** What a report is of: the command, what it ran (as named on the command line), and the seed range. */
export interface ReportScope {
  readonly command: ReportCommand;
  readonly name: string;
  readonly firstSeed: number;
  readonly seeds: number;
}

/** How one command words its report. */
export interface ReportWording {
  /** The lines (stderr) that say why a failing seed failed and how to reproduce it. */
  failure(scope: ReportScope, line: SeedLine): string;
  /** The lines (stderr) that say a seed passed only in part: its check left something undecided. */
  undecided?(line: SeedLine): string;
  /** The last `--json` line, beyond `passed`, `failed` and `failingSeeds`. */
  totals?(lines: readonly SeedLine[]): Record<string, unknown>;
  /** The last human line's detail after "N passed, M failed". */
  detail?(lines: readonly SeedLine[]): string;
}

interface SweepSummaryPart {
  readonly invariantsBroken: readonly string[];
  readonly expectations: ReadonlyArray<{ readonly expr: string; readonly holds: boolean; readonly actual?: number | null }>;
}

const wordings: Record<ReportCommand, ReportWording> = {
  sweep: {
    failure(scope, line) {
      const summary = line.summary as SweepSummaryPart;
      const why = [...summary.invariantsBroken, ...summary.expectations.filter((e) => !e.holds).map((e) => `expect ${e.expr} (actual ${e.actual ?? 'missing'})`)].join('; ');
      return `seed ${line.seed} FAILED: ${why}\n  reproduce: npx caplab run ${scope.name} --seed ${line.seed}\n`;
    },
  },
  swarm: {
    failure(_scope, line) {
      const problems = [...((line.safety as string[] | undefined) ?? []).map((p) => `  safety: ${p}`), ...((line.liveness as string[] | undefined) ?? []).map((p) => `  liveness: ${p}`)];
      const manifest = line.manifest === undefined ? '' : `  manifest:\n${stringifyYaml(line.manifest).replace(/^/gm, '    ').trimEnd()}\n`;
      return `seed ${line.seed} FAILED (${String(line.failure)})\n${problems.join('\n')}\n${manifest}  reproduce: ${String(line.reproduce)}\n`;
    },
    undecided(line) {
      const keys = undecidedKeysOf(line);
      return `seed ${line.seed} passed with ${keys} ${keys === 1 ? 'key' : 'keys'} the linearizability check left undecided within its budget: not checked, not clean\n  reproduce: ${String(line.reproduce)}\n`;
    },
    totals(lines) {
      const failing = lines.filter((line) => !line.passed);
      return {
        safetyFailures: failing.filter((line) => line.failure === 'safety').length,
        livenessFailures: failing.filter((line) => line.failure === 'liveness').length,
        undecidedSeeds: lines.filter((line) => line.passed && undecidedKeysOf(line) > 0).map((line) => line.seed),
      };
    },
    detail(lines) {
      const totals = wordings.swarm.totals?.(lines) as { safetyFailures: number; livenessFailures: number; undecidedSeeds: number[] };
      const undecided = totals.undecidedSeeds.length === 0 ? '' : `; ${totals.undecidedSeeds.length} passed with keys left undecided`;
      return ` (${totals.safetyFailures} safety, ${totals.livenessFailures} liveness${undecided})`;
    },
  },
};

/** A swarm seed's undecided keys (0 in results files written before the field existed). */
function undecidedKeysOf(line: SeedLine): number {
  return typeof line.undecidedKeys === 'number' ? line.undecidedKeys : 0;
}

/** Where the report goes: stdout and stderr, or anything that takes text. */
export interface ReportOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The JSON line of one seed, as `--json` prints it. */
export function seedLineText(line: SeedLine): string {
  return `${JSON.stringify(line)}\n`;
}

/**
 * Prints seed lines in seed order as they arrive in any order: each line as soon as every seed
 * before it is printed, so the output is the same however the threads interleave.
 */
export class SeedLinesInOrder {
  private readonly waiting = new Map<number, SeedLine>();
  private next: number;
  private readonly lines: SeedLine[] = [];

  constructor(
    first: number,
    private readonly print: ((line: SeedLine) => void) | null,
  ) {
    this.next = first;
  }

  add(line: SeedLine): void {
    this.waiting.set(line.seed, line);
    for (let ready = this.waiting.get(this.next); ready !== undefined; ready = this.waiting.get(this.next)) {
      this.waiting.delete(this.next);
      this.lines.push(ready);
      this.print?.(ready);
      this.next++;
    }
  }

  /** Every line, in seed order; all seeds must have arrived. */
  all(): SeedLine[] {
    if (this.waiting.size > 0) throw new Error(`seed ${this.next} never finished`);
    return this.lines;
  }
}

/**
 * The end of a report, after the seed lines (`--json`) or instead of them: each failing seed on
 * stderr with the command that reproduces it, then the totals. Returns the exit code: 0 when every
 * seed passed, else 1.
 */
export function printReportEnd(scope: ReportScope, lines: readonly SeedLine[], json: boolean, output: ReportOutput, extra: Record<string, unknown> = {}): number {
  const wording = wordings[scope.command];
  const failing = lines.filter((line) => !line.passed);
  for (const line of failing) output.stderr(wording.failure(scope, line));
  if (wording.undecided !== undefined) for (const line of lines) if (line.passed && undecidedKeysOf(line) > 0) output.stderr(wording.undecided(line));
  const passed = lines.length - failing.length;
  if (json) {
    output.stdout(`${JSON.stringify({ [scope.command]: scope.name, passed, failed: failing.length, failingSeeds: failing.map((line) => line.seed), ...wording.totals?.(lines), ...extra })}\n`);
  } else {
    const last = scope.firstSeed + scope.seeds - 1;
    const shard = typeof extra.shard === 'string' ? ` shard ${extra.shard}` : '';
    output.stdout(`${scope.command} ${scope.name}${shard}: ${passed} passed, ${failing.length} failed${wording.detail?.(lines) ?? ''} (seeds ${scope.firstSeed}..${last})\n`);
  }
  return failing.length === 0 ? 0 : 1;
}

/** The whole report of seed lines already in seed order, as the unsharded command prints it. */
export function printReport(scope: ReportScope, lines: readonly SeedLine[], json: boolean, output: ReportOutput): number {
  if (json) for (const line of lines) output.stdout(seedLineText(line));
  return printReportEnd(scope, lines, json, output);
}

export const processOutput: ReportOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};
