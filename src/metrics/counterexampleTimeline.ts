import type { Counterexample, CounterexampleOperation } from '../checker/linearizability';
import type { FaultSpan, SeriesMarker } from './series';
import { faultInWords, instantText, spanText } from './storyText';

/**
 * A linearizability counterexample on a timeline (issue 17): one lane per client, labelled with the
 * replica that served it, each operation a bar from call to return (the one that cannot be placed in
 * red), over bands of the faults that held and of the CP/AP policy in force. The results screen draws
 * it with Vue; the self-contained report gets `counterexampleSvg`, the same picture as SVG text. Pure.
 */

export interface TimelineOperation extends CounterexampleOperation {
  /** 1-based place in the longest order found; null for the operation that cannot be placed. */
  readonly order: number | null;
  readonly blocked: boolean;
  /** The replica the client's call went to, when known. */
  readonly servedBy: string | null;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  /** "write k1 "c8-285"" and "5.047 s → 5.073 s (25.9 ms)", apart. */
  readonly spanText: string;
}

export interface TimelineBand {
  readonly x: number;
  readonly width: number;
  /** Row of the band strip: 0 the policy, 1 and on the faults (overlapping ones stack). */
  readonly row: number;
  readonly kind: string;
  readonly label: string;
}

export interface CounterexampleTimeline {
  readonly width: number;
  readonly height: number;
  readonly lanes: ReadonlyArray<{ readonly client: number; readonly label: string; readonly y: number }>;
  readonly operations: readonly TimelineOperation[];
  readonly bands: readonly TimelineBand[];
  /** Height of the band strip above the lanes, px. */
  readonly bandsHeight: number;
  readonly startUs: number;
  readonly endUs: number;
  readonly plotLeft: number;
  readonly plotRight: number;
}

export const timelineLaneHeight = 22;
export const timelineBandRowHeight = 14;
const margin = { left: 110, right: 16, top: 6, bottom: 20 };

/** CP, AP, or the knobs, from a policy's words ("write local, read local"). */
export function policyWords(detail: string): string {
  const match = /^write (\S+), read (\S+)$/.exec(detail);
  if (match === null) return detail;
  if (match[1] === 'quorum' && match[2] === 'linearizable') return 'CP';
  if (match[1] === 'local' && match[2] === 'local') return 'AP';
  return `write ${match[1]}, read ${match[2]}`;
}

export function counterexampleTimeline(options: {
  counterexample: Counterexample;
  faults: readonly FaultSpan[];
  markers: readonly SeriesMarker[];
  /** The policy before any switch, in words (CP, AP, or the knobs). */
  initialPolicy: string;
  servedBy: (operation: number) => string | null;
  width?: number;
}): CounterexampleTimeline {
  const width = options.width ?? 1180;
  const example = options.counterexample;
  const listed: Array<CounterexampleOperation & { order: number | null; blocked: boolean }> = example.linearized.map((operation, index) => ({ ...operation, order: index + 1, blocked: false }));
  if (example.blocked !== null) listed.push({ ...example.blocked, order: null, blocked: true });
  const clients = [...new Set(listed.map((operation) => operation.clientId))].sort((a, b) => a - b);
  const rawStart = Math.min(...listed.map((operation) => operation.call));
  const rawEnd = Math.max(...listed.map((operation) => operation.return ?? operation.call));
  // A little room either side, so a band that starts or ends at an operation shows.
  const pad = Math.max(1000, (rawEnd - rawStart) * 0.04);
  const startUs = rawStart - pad;
  const endUs = rawEnd + pad;
  const plotLeft = margin.left;
  const plotRight = width - margin.right;
  const scale = (us: number) => plotLeft + ((Math.min(endUs, Math.max(startUs, us)) - startUs) / (endUs - startUs)) * (plotRight - plotLeft);

  // Bands: the policy in force (row 0) and each fault that overlaps the window (rows 1…, stacked when they overlap).
  const bands: TimelineBand[] = [];
  const switches = [...options.markers].filter((marker) => marker.kind === 'consistency').sort((a, b) => a.atMs - b.atMs);
  let policy = options.initialPolicy;
  let fromUs = Number.NEGATIVE_INFINITY;
  for (const marker of [...switches, null]) {
    const toUs = marker === null ? Number.POSITIVE_INFINITY : marker.atMs * 1000;
    if (toUs > startUs && fromUs < endUs) bands.push({ x: scale(fromUs), width: scale(toUs) - scale(fromUs), row: 0, kind: policy === 'AP' ? 'ap' : policy === 'CP' ? 'cp' : 'custom', label: policy });
    if (marker !== null) {
      policy = policyWords(marker.label);
      fromUs = toUs;
    }
  }
  const rowEnds: number[] = [];
  for (const fault of options.faults) {
    const fromFault = fault.startMs * 1000;
    const toFault = fault.endMs === null ? Number.POSITIVE_INFINITY : fault.endMs * 1000;
    if (toFault <= startUs || fromFault >= endUs) continue;
    let row = rowEnds.findIndex((end) => end <= fromFault);
    if (row < 0) row = rowEnds.push(toFault) - 1;
    else rowEnds[row] = toFault;
    bands.push({ x: scale(fromFault), width: Math.max(2, scale(toFault) - scale(fromFault)), row: row + 1, kind: fault.kind, label: faultInWords(fault.kind, fault.detail) });
  }
  const bandRows = 1 + rowEnds.length;
  const bandsHeight = bandRows * timelineBandRowHeight + 4;
  const lanesTop = margin.top + bandsHeight;

  const servedByClient = new Map<number, Set<string>>();
  const operations = listed.map((operation) => {
    const servedBy = options.servedBy(operation.id);
    if (servedBy !== null) servedByClient.set(operation.clientId, (servedByClient.get(operation.clientId) ?? new Set()).add(servedBy));
    const x = scale(operation.call);
    return {
      ...operation,
      servedBy,
      x,
      y: lanesTop + clients.indexOf(operation.clientId) * timelineLaneHeight,
      width: Math.max(4, operation.return === null ? 30 : scale(operation.return) - x),
      spanText: spanText(operation.call, operation.return),
    };
  });
  const lanes = clients.map((client, index) => {
    const replicas = [...(servedByClient.get(client) ?? [])];
    return { client, label: `client ${client}${replicas.length === 0 ? '' : ` → ${replicas.join(', ')}`}`, y: lanesTop + index * timelineLaneHeight };
  });
  return { width, height: lanesTop + clients.length * timelineLaneHeight + margin.bottom, lanes, operations, bands, bandsHeight, startUs, endUs, plotLeft, plotRight };
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Band colours for the report (the screen uses its theme's). */
const bandFill: Record<string, string> = {
  cp: 'rgba(41, 128, 185, 0.18)',
  ap: 'rgba(230, 126, 34, 0.28)',
  custom: 'rgba(142, 68, 173, 0.18)',
  partition: 'rgba(220, 80, 60, 0.22)',
  crash: 'rgba(120, 60, 200, 0.2)',
  pause: 'rgba(60, 120, 220, 0.2)',
  network: 'rgba(230, 160, 30, 0.24)',
  clock: 'rgba(40, 160, 140, 0.22)',
  disconnect: 'rgba(220, 80, 60, 0.18)',
};

/** The timeline as standalone SVG text (light colours), for report.html. */
export function counterexampleSvg(timeline: CounterexampleTimeline, title: string): string {
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${timeline.width}" height="${timeline.height}" viewBox="0 0 ${timeline.width} ${timeline.height}" role="img" aria-label="${escape(title)}" font-family="DejaVu Sans, sans-serif" font-size="11">`);
  for (const band of timeline.bands) {
    const y = 6 + band.row * timelineBandRowHeight;
    parts.push(`<g><title>${escape(band.label)}</title><rect x="${band.x.toFixed(1)}" y="${y}" width="${band.width.toFixed(1)}" height="${timelineBandRowHeight - 2}" fill="${bandFill[band.kind] ?? 'rgba(128,128,128,0.2)'}"/>`);
    if (band.width > 40) parts.push(`<text x="${(band.x + 3).toFixed(1)}" y="${y + 10}" fill="#333" font-size="9">${escape(band.label.length * 5.2 > band.width ? `${band.label.slice(0, Math.max(1, Math.floor(band.width / 5.2) - 1))}…` : band.label)}</text>`);
    parts.push('</g>');
  }
  parts.push(`<text x="4" y="${6 + 10}" fill="#666" font-size="9">CP/AP · faults</text>`);
  for (const lane of timeline.lanes) {
    parts.push(`<text x="4" y="${lane.y + 14}" fill="#555">${escape(lane.label)}</text>`);
    parts.push(`<line x1="${timeline.plotLeft}" x2="${timeline.plotRight}" y1="${lane.y + 19}" y2="${lane.y + 19}" stroke="#ddd"/>`);
  }
  for (const operation of timeline.operations) {
    const stroke = operation.blocked ? '#c0392b' : '#2980b9';
    const fill = operation.blocked ? 'rgba(192,57,43,0.45)' : 'rgba(41,128,185,0.3)';
    const step = operation.order === null ? 'cannot be placed' : `step ${operation.order}`;
    parts.push(`<g><title>${escape(`${step}: ${operation.description} · ${operation.spanText}${operation.servedBy === null ? '' : ` · served by ${operation.servedBy}`}`)}</title><rect x="${operation.x.toFixed(1)}" y="${operation.y + 3}" width="${operation.width.toFixed(1)}" height="14" rx="3" fill="${fill}" stroke="${stroke}"/></g>`);
  }
  const axisY = timeline.height - 4;
  parts.push(`<text x="${timeline.plotLeft}" y="${axisY}" fill="#666">${escape(instantText(timeline.startUs))}</text>`);
  parts.push(`<text x="${timeline.plotRight}" y="${axisY}" fill="#666" text-anchor="end">${escape(instantText(timeline.endUs))}</text>`);
  parts.push('</svg>');
  return parts.join('');
}
