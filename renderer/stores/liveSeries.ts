import type { FaultSpan, MetricsSeries, MetricsWindow, SeriesMarker } from '../../src/contract/engine';
import { windowMsDefault } from '../../src/contract/engine';

/** Windows a live series keeps: 20 minutes of 250 ms windows; older ones leave the charts. */
export const liveWindowsKeptMax = 4800;

/** One streamed metrics batch (contract event `metrics`): the windows closed since the last one, every fault span and marker so far. */
export interface MetricsBatch {
  readonly nowMs: number;
  readonly windows: readonly unknown[];
  readonly faults: readonly unknown[];
  readonly markers: readonly unknown[];
}

export function emptySeries(nodes: readonly string[]): MetricsSeries {
  return { windowMs: windowMsDefault, nodes: [...nodes], windows: [], faults: [], markers: [] };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

function isWindow(value: unknown): value is MetricsWindow {
  return isRecord(value) && typeof value.startMs === 'number' && typeof value.endMs === 'number' && typeof value.ok === 'number' && isRecord(value.violations) && isRecord(value.commitIndex) && isRecord(value.messagesByLink);
}

function isFault(value: unknown): value is FaultSpan {
  return isRecord(value) && typeof value.kind === 'string' && typeof value.startMs === 'number' && (value.endMs === null || typeof value.endMs === 'number');
}

function isMarker(value: unknown): value is SeriesMarker {
  return isRecord(value) && typeof value.atMs === 'number' && typeof value.label === 'string';
}

/**
 * The series after one batch, as a new object (the stores keep it in a shallowRef and replace it
 * wholesale). Windows append in time order, a window already held is not added twice, and the
 * oldest leave past `windowsKeptMax`; fault spans and markers are the lab's full lists, so they
 * replace the old ones. Whatever does not have the shape of a window, span or marker is dropped.
 */
export function appendMetricsBatch(series: MetricsSeries, batch: MetricsBatch, windowsKeptMax = liveWindowsKeptMax): MetricsSeries {
  const lastEndMs = series.windows.at(-1)?.endMs ?? -Infinity;
  const fresh = batch.windows.filter(isWindow).filter((window) => window.startMs >= lastEndMs);
  const first = fresh[0] ?? series.windows[0];
  const windowMs = first === undefined ? series.windowMs : first.endMs - first.startMs;
  const faults = batch.faults.filter(isFault);
  const markers = batch.markers.filter(isMarker);
  // Nothing new: keep the same object, so the charts are not redrawn for nothing.
  if (fresh.length === 0 && JSON.stringify(faults) === JSON.stringify(series.faults) && JSON.stringify(markers) === JSON.stringify(series.markers)) return series;
  const windows = fresh.length === 0 ? series.windows : [...series.windows, ...fresh].slice(-windowsKeptMax);
  return { windowMs, nodes: series.nodes, windows, faults, markers };
}

/**
 * The live windows with the oracle's violation counts per window taken from the run's exported
 * metrics.csv (the live stream carries none: the oracle counts them when the run ends). Windows
 * are matched by their start; a window the CSV does not hold keeps zero.
 */
export function withViolationsFromCsv(series: MetricsSeries, csv: string): MetricsSeries {
  const [headerLine, ...lines] = csv.trim().split('\n');
  const header = (headerLine ?? '').split(',');
  const column = (name: string) => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`metrics.csv has no column ${name}`);
    return index;
  };
  const [start, stale, lost, monotonic, ryw] = ['start_ms', 'stale_read', 'lost_write', 'monotonic_read', 'read_your_writes'].map(column) as [number, number, number, number, number];
  const byStart = new Map<number, MetricsWindow['violations']>();
  for (const line of lines) {
    const cells = line.split(',').map(Number);
    byStart.set(cells[start] as number, { staleRead: cells[stale] ?? 0, lostWrite: cells[lost] ?? 0, monotonicRead: cells[monotonic] ?? 0, readYourWrites: cells[ryw] ?? 0 });
  }
  const windows = series.windows.map((window) => ({ ...window, violations: byStart.get(window.startMs) ?? { staleRead: 0, lostWrite: 0, monotonicRead: 0, readYourWrites: 0 } }));
  return { ...series, windows };
}
