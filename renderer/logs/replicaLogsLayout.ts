import type { ReplicaLogEntry, ReplicaLogRow } from '../../src/contract/engine';

/** Width of one index column, px. */
export const logCellPx = 18;
/** Columns drawn beyond each edge of the visible ones, so a scroll shows no blank edge. */
export const logOverscanColumns = 20;

/** The indices to draw for a scroll position: the visible columns and a margin, clamped to 1…lastIndex. */
export function visibleIndices(scrollLeftPx: number, widthPx: number, lastIndex: number, cellPx = logCellPx, overscan = logOverscanColumns): { from: number; to: number } {
  if (lastIndex < 1) return { from: 1, to: 0 };
  const first = Math.floor(Math.max(0, scrollLeftPx) / cellPx) + 1;
  const count = Math.ceil(Math.max(0, widthPx) / cellPx) + 1;
  return { from: Math.max(1, first - overscan), to: Math.min(lastIndex, first + count + overscan) };
}

/** The scroll position that shows `index` in the middle of a view `widthPx` wide. */
export function scrollLeftFor(index: number, widthPx: number, cellPx = logCellPx): number {
  return Math.max(0, (index - 1) * cellPx - widthPx / 2 + cellPx / 2);
}

/** A term's (view's, ballot's) colour: distinct hues for neighbouring terms, readable in both themes. */
export function termColor(term: number): string {
  const hue = (term * 137.508 + 200) % 360;
  return `hsl(${hue.toFixed(0)} 62% 52%)`;
}

/** What the protocol calls a term. */
export function termWord(protocol: string): string {
  return protocol === 'vr' ? 'view' : protocol === 'paxos' ? 'ballot' : 'term';
}

export interface LogCell {
  readonly index: number;
  readonly term: number;
  readonly committed: boolean;
  readonly applied: boolean;
  /** Not what was committed at this index. */
  readonly differs: boolean;
  /** Replaced an entry that had been committed. */
  readonly replacedCommitted: boolean;
  readonly label: string;
}

/** One drawn entry: its state against the row's commit and applied markers, its flags and its accessible sentence. */
export function logCell(row: ReplicaLogRow, entry: ReplicaLogEntry, term: (value: number) => string): LogCell {
  const committed = entry.index <= row.commitIndex;
  const applied = entry.index <= row.appliedIndex;
  const replacedCommitted = entry.overwrote !== null && (entry.overwrote.committedAt !== null || entry.committedTerm === entry.overwrote.term);
  const parts = [`${row.node} index ${entry.index}: ${term(entry.term)}`, applied ? 'applied' : committed ? 'committed' : 'not committed'];
  if (entry.differsFromCommitted) parts.push(`differs from what was committed here (${term(entry.committedTerm ?? 0)})`);
  if (replacedCommitted && entry.overwrote !== null) parts.push(`overwrote a committed entry of ${term(entry.overwrote.term)}`);
  return { index: entry.index, term: entry.term, committed, applied, differs: entry.differsFromCommitted, replacedCommitted, label: parts.join(', ') };
}

/** Instants as the details say them: "5.410 s". */
export function instantText(us: number | null): string {
  return us === null ? '—' : `${(us / 1e6).toFixed(3)} s`;
}
