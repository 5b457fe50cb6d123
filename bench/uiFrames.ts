// `npm run bench -- ui-frames`: frame times of the lab's page in Debian's Chromium (playwright-core)
// against `caplab serve`, while a 9-replica Raft cluster serves 5k ops/s at speed 1× for 60 s of
// wall time (so 60 s of run time when the simulator keeps up; the run's clock at the end says how
// far it got). Frames are timed in the page with requestAnimationFrame. The baseline is the same
// page idle, measured first in the same run. Then the page is scrolled to the charts (out of view at
// the top, so not redrawn there) and measured for another 20 s, still loaded: the charts' cost.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import buildRenderer from '../test/e2e/buildRenderer';
import { chromiumArgs, chromiumPath } from '../test/e2e/chromium';
import { startServe } from '../test/e2e/server';
import type { BenchResult } from './result';

const loadedMs = 60_000;
const idleMs = 10_000;
const chartsMs = 20_000;

const experiment = `name: ui-frames-bench
title: UI frames benchmark, 9 replicas at 5k ops/s
protocol: raft
nodes: 9
seed: 1
durationMs: ${loadedMs + chartsMs + 5_000}
workload:
  clients: 64
  ratePerSec: 5000
`;

interface FrameStats {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

/** What the page's script sees (this file is type-checked for Node, without the DOM's types). */
interface PageScope {
  __frameDeltasMs?: number[];
  requestAnimationFrame(callback: (nowMs: number) => void): number;
}

function statsOf(deltas: readonly number[]): FrameStats {
  const sorted = [...deltas].sort((a, b) => a - b);
  const at = (quantile: number) => sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? Number.NaN;
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? Number.NaN };
}

export async function runUiFrames(): Promise<BenchResult[]> {
  const executablePath = chromiumPath();
  if (executablePath === null) throw new Error("ui-frames needs Debian's Chromium (apt-get install -y chromium) or CHROMIUM_PATH");
  buildRenderer();
  const folder = mkdtempSync(join(tmpdir(), 'caplab-ui-frames-'));
  const file = join(folder, 'ui-frames-bench.yaml');
  writeFileSync(file, experiment);
  const served = await startServe();
  const browser = await chromium.launch({ executablePath, args: chromiumArgs, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(served.url);
    await page.getByLabel('Experiment file').setInputFiles(file);
    await page.getByRole('button', { name: 'Start the run' }).waitFor({ timeout: 30_000 });
    const measure = async (durationMs: number): Promise<number[]> => {
      await page.evaluate(() => {
        const scope = globalThis as unknown as PageScope;
        const deltas: number[] = [];
        scope.__frameDeltasMs = deltas;
        let last = performance.now();
        const frame = (now: number) => {
          if (scope.__frameDeltasMs !== deltas) return;
          deltas.push(now - last);
          last = now;
          scope.requestAnimationFrame(frame);
        };
        scope.requestAnimationFrame(frame);
      });
      await page.waitForTimeout(durationMs);
      return page.evaluate(() => {
        const scope = globalThis as unknown as PageScope;
        const deltas = scope.__frameDeltasMs ?? [];
        scope.__frameDeltasMs = [];
        return deltas.slice(1);
      });
    };
    const idle = statsOf(await measure(idleMs));
    await page.getByRole('button', { name: 'Start the run' }).click();
    const loaded = statsOf(await measure(loadedMs));
    await page.locator('[data-chart="latency"]').scrollIntoViewIfNeeded();
    const charts = statsOf(await measure(chartsMs));
    await page.getByTestId('run-clock').scrollIntoViewIfNeeded();
    const runSeconds = Number.parseFloat(await page.getByTestId('run-clock').innerText());
    const note = `9 replicas, 5k ops/s offered at 1×: ${loaded.count} frames in ${loadedMs / 1000} s of wall time; idle ${idle.count} frames in ${idleMs / 1000} s; goal p95 ≤ 16.7 ms`;
    const chartsNote = `the same run scrolled to the charts (four in view) for the next ${chartsMs / 1000} s: ${charts.count} frames; baseline idle at the top`;
    return [
      { bench: 'ui-frames-p50', value: loaded.p50, unit: 'ms', baseline: idle.p50, ratio: loaded.p50 / idle.p50, note },
      { bench: 'ui-frames-p95', value: loaded.p95, unit: 'ms', baseline: idle.p95, ratio: loaded.p95 / idle.p95, note },
      { bench: 'ui-frames-max', value: loaded.max, unit: 'ms', baseline: idle.max, ratio: loaded.max / idle.max, note },
      { bench: 'ui-frames-charts-p50', value: charts.p50, unit: 'ms', baseline: idle.p50, ratio: charts.p50 / idle.p50, note: chartsNote },
      { bench: 'ui-frames-charts-p95', value: charts.p95, unit: 'ms', baseline: idle.p95, ratio: charts.p95 / idle.p95, note: chartsNote },
      { bench: 'ui-frames-charts-max', value: charts.max, unit: 'ms', baseline: idle.max, ratio: charts.max / idle.max, note: chartsNote },
      { bench: 'ui-frames-run-seconds', value: runSeconds, unit: `s of run time in ${(loadedMs + chartsMs) / 1000} s of wall time`, note: `below ${(loadedMs + chartsMs) / 1000} means the simulator could not keep 1× with this load on this machine` },
    ];
  } finally {
    await browser.close();
    await served.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}
