/**
 * `checker` (ARCHITECTURE §12): the shared corpus checked file by file (`checker-large` is in
 * checkerLarge.ts).
 *
 * Baseline: Porcupine (Go 1.19) takes ≈ 590 ms for the 40 etcd logs and 6 kv files on a
 * machine of this kind (STACK.md, median of 3). That is a REFERENCE FIGURE, not measured in
 * this run (Go is not installed here); the ratio is ours / 590 ms. Our figure includes reading
 * the files. The first pass in a fresh process pays for JIT compilation and is reported on its
 * own (`checker-cold`); `checker` is the median of three passes after it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { checkParsedHistory } from '../src/checker/checkHistory';
import { readHistory } from '../src/history/formats/index';
import type { BenchResult } from './result';

const porcupineReferenceMs = 590;

interface CorpusRow {
  readonly file: string;
  readonly model: 'cas-register' | 'kv' | 'kv-single-map';
  readonly initial?: number | null;
  readonly expected: string;
  /** One of the 46 files behind Porcupine's reference figure. */
  readonly inPorcupineFigure: boolean;
}

function corpusRows(folder: string): CorpusRow[] {
  return readFileSync(`${folder}/EXPECTED.tsv`, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [file = '', model = '', expected = ''] = line.split('\t');
      if (model.includes('single map')) return { file, model: 'kv-single-map', expected, inPorcupineFigure: false };
      if (model.startsWith('kv')) return { file, model: 'kv', expected, inPorcupineFigure: true };
      if (model === 'etcd-cas-register') return { file, model: 'cas-register', initial: null, expected, inPorcupineFigure: true };
      return { file, model: 'cas-register', initial: 0, expected, inPorcupineFigure: false };
    });
}

/** Where one file's time goes, ms: reading the file, parsing it, checking it. */
interface FileTimes {
  readonly ms: number;
  readonly readMs: number;
  readonly parseMs: number;
  /** Process CPU time over the file (every thread, so background JIT compiling counts). */
  readonly cpuMs: number;
  readonly verdict: string;
}

function checkFile(folder: string, row: CorpusRow): FileTimes {
  const cpuStart = process.cpuUsage();
  const startMs = performance.now();
  const text = readFileSync(`${folder}/${row.file}`, 'utf8');
  const readMs = performance.now() - startMs;
  const history = readHistory(text, 'auto', row.file);
  const parseMs = performance.now() - startMs - readMs;
  const result = checkParsedHistory(history, { model: row.model, initial: row.initial }, { now: () => performance.now(), timeoutMs: 120_000 });
  const cpu = process.cpuUsage(cpuStart);
  return { ms: performance.now() - startMs, readMs, parseMs, cpuMs: (cpu.user + cpu.system) / 1000, verdict: result.verdict };
}

const median = (values: number[]): number => [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)]!;
const round = (value: number): number => Math.round(value * 10) / 10;

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const folder = fileURLToPath(new URL('../../shared/corpus', import.meta.url));
  if (!existsSync(`${folder}/EXPECTED.tsv`)) {
    console.log(`checker: corpus not found at ${folder}; skipping the corpus measures`);
  } else {
    const rows = corpusRows(folder);
    const passes: Map<string, number>[] = [];
    const split: { readMs: number; parseMs: number; cpuMs: number }[] = [];
    for (let pass = 0; pass < 4; pass++) {
      const times = new Map<string, number>();
      const sums = { readMs: 0, parseMs: 0, cpuMs: 0 };
      for (const row of rows) {
        const { ms, verdict, readMs, parseMs, cpuMs } = checkFile(folder, row);
        if (row.inPorcupineFigure) {
          sums.readMs += readMs;
          sums.parseMs += parseMs;
          sums.cpuMs += cpuMs;
        }
        if (verdict !== row.expected) throw new Error(`checker bench: ${row.file} (${row.model}) gave ${verdict}, expected ${row.expected}`);
        times.set(`${row.file} ${row.model}`, ms);
      }
      split.push(sums);
      passes.push(times);
    }
    const total = (pass: Map<string, number>, filter: (row: CorpusRow) => boolean): number => rows.filter(filter).reduce((sum, row) => sum + pass.get(`${row.file} ${row.model}`)!, 0);
    for (const row of rows) {
      const key = `${row.file} ${row.model}`;
      console.log(`checker: ${row.file.padEnd(48)} ${row.model.padEnd(14)} ${median(passes.slice(1).map((pass) => pass.get(key)!)).toFixed(2).padStart(9)} ms  (cold ${passes[0]!.get(key)!.toFixed(2)} ms)`);
    }
    const porcupineSet = (row: CorpusRow): boolean => row.inPorcupineFigure;
    const warm = median(passes.slice(1).map((pass) => total(pass, porcupineSet)));
    const cold = total(passes[0]!, porcupineSet);
    const everything = median(passes.slice(1).map((pass) => total(pass, () => true)));
    console.log(
      `checker: the 40 etcd logs and 6 kv files: ${warm.toFixed(1)} ms warm (median of 3 passes after the first; THIS is the figure compared with the reference), ${cold.toFixed(1)} ms cold (the first pass in this process); baseline ${porcupineReferenceMs} ms is Porcupine's REFERENCE figure from STACK.md, not measured in this run`,
    );
    const describeSplit = (sums: { readMs: number; parseMs: number; cpuMs: number }): string => `reading ${sums.readMs.toFixed(1)} ms, parsing ${sums.parseMs.toFixed(1)} ms, process CPU over these files (all threads, so background JIT compiling counts) ${sums.cpuMs.toFixed(0)} ms`;
    console.log(`checker: where the time goes in the 46 files, cold pass: ${describeSplit(split[0]!)}; last warm pass: ${describeSplit(split[split.length - 1]!)}. The rest of the gap is JIT warm-up (the search runs in the interpreter until TurboFan, on a background thread, has compiled it) and the heap growing on first use; no tsx transpiling happens inside a pass`);
    console.log(`checker: every EXPECTED.tsv row (${rows.length}, with Knossos files and the unpartitioned kv rows): ${everything.toFixed(1)} ms`);
    const note = `baseline: Porcupine reference figure from STACK.md (${porcupineReferenceMs} ms), not measured here`;
    results.push({
      bench: 'checker',
      value: round(warm),
      unit: 'ms',
      baseline: porcupineReferenceMs,
      ratio: Math.round((warm / porcupineReferenceMs) * 1000) / 1000,
      note: `${note}; the figure compared with the reference is this warm one (median of 3 passes after a first pass in the same process)`,
    });
    results.push({
      bench: 'checker-cold',
      value: round(cold),
      unit: 'ms',
      baseline: porcupineReferenceMs,
      ratio: Math.round((cold / porcupineReferenceMs) * 1000) / 1000,
      note: `${note}; the first pass in a fresh process, JIT warm-up included (Porcupine's Go is compiled ahead of time and has none), so this is what a single caplab check of these files costs after startup`,
    });
    results.push({ bench: 'checker-corpus-all', value: round(everything), unit: 'ms', note: `all ${rows.length} EXPECTED.tsv rows, no baseline` });
  }

  return results;
}
