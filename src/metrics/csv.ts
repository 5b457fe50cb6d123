import type { MetricsSeries } from './series';

/** metrics.csv: one row per window, one column per measure (ARCHITECTURE §9). */
export function metricsCsv(series: MetricsSeries): string {
  const links = [...new Set(series.windows.flatMap((w) => Object.keys(w.messagesByLink)))].sort();
  const header = [
    'start_ms', 'end_ms', 'ok', 'fail', 'info', 'availability', 'latency_p50_ms', 'latency_p95_ms', 'latency_p99_ms', 'latency_max_ms',
    'offered', 'served', 'missed', 'availability_majority', 'availability_minority', 'latency_uncorrected_p50_ms', 'latency_uncorrected_p99_ms',
    'stale_read', 'lost_write', 'monotonic_read', 'read_your_writes', 'leader', 'term', 'messages_sent',
    ...series.nodes.map((node) => `commit_${node}`),
    ...links.map((link) => `messages_${link.replace('>', '_to_')}`),
  ];
  const cell = (value: number | string | null) => (value === null ? '' : String(value));
  const fraction = (value: number | null) => (value === null ? null : +value.toFixed(6));
  const rows = series.windows.map((w) =>
    [
      w.startMs, w.endMs, w.ok, w.fail, w.info, fraction(w.availability),
      w.latencyMs?.p50 ?? null, w.latencyMs?.p95 ?? null, w.latencyMs?.p99 ?? null, w.latencyMs?.max ?? null,
      w.offered, w.served, w.missed, fraction(w.availabilityBySide.majority), fraction(w.availabilityBySide.minority), w.latencyMsUncorrected?.p50 ?? null, w.latencyMsUncorrected?.p99 ?? null,
      w.violations.staleRead, w.violations.lostWrite, w.violations.monotonicRead, w.violations.readYourWrites,
      w.leader ?? '', w.term, w.messagesSent,
      ...series.nodes.map((node) => w.commitIndex[node] ?? 0),
      ...links.map((link) => w.messagesByLink[link] ?? 0),
    ].map(cell).join(','),
  );
  return `${[header.join(','), ...rows].join('\n')}\n`;
}
