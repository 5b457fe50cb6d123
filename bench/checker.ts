/**
 * `checker` (DESIGN §12): the shared corpus checked file by file (`checker-large` is in
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

function checkFile(folder: string, row: CorpusRow): { ms: number; verdict: string } {
  const startMs = performance.now();
  const history = readHistory(readFileSync(`${folder}/${row.file}`, 'utf8'), 'auto', row.file);
  const result = checkParsedHistory(history, { model: row.model, initial: row.initial }, { now: () => performance.now(), timeoutMs: 120_000 });
  return { ms: performance.now() - startMs, verdict: result.verdict };
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
    for (let pass = 0; pass < 4; pass++) {
      const times = new Map<string, number>();
      for (const row of rows) {
        const { ms, verdict } = checkFile(folder, row);
        if (verdict !== row.expected) throw new Error(`checker bench: ${row.file} (${row.model}) gave ${verdict}, expected ${row.expected}`);
        times.set(`${row.file} ${row.model}`, ms);
      }
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
    console.log(`checker: the 40 etcd logs and 6 kv files: ${warm.toFixed(1)} ms (median of 3 warm passes), ${cold.toFixed(1)} ms cold; baseline ${porcupineReferenceMs} ms is Porcupine's REFERENCE figure from STACK.md, not measured in this run`);
    console.log(`checker: every EXPECTED.tsv row (${rows.length}, with Knossos files and the unpartitioned kv rows): ${everything.toFixed(1)} ms`);
    const note = `baseline: Porcupine reference figure from STACK.md (${porcupineReferenceMs} ms), not measured here`;
    results.push({ bench: 'checker', value: round(warm), unit: 'ms', baseline: porcupineReferenceMs, ratio: Math.round((warm / porcupineReferenceMs) * 1000) / 1000, note });
    results.push({ bench: 'checker-cold', value: round(cold), unit: 'ms', baseline: porcupineReferenceMs, ratio: Math.round((cold / porcupineReferenceMs) * 1000) / 1000, note: `${note}; first pass in a fresh process, JIT included` });
    results.push({ bench: 'checker-corpus-all', value: round(everything), unit: 'ms', note: `all ${rows.length} EXPECTED.tsv rows, no baseline` });
  }

  return results;
}
