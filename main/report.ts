import type { Violation } from '../src/checker/oracle';
import type { LabHistoryVerdict } from '../src/checker/labHistory';
import type { Experiment } from '../src/experiment/schema';
import { type RunSummary, shownOrReason } from '../src/experiment/summary';
import type { GuaranteeRow } from '../src/experiment/guarantees';
import { guaranteesSectionHtml } from './guaranteesReport';
import { violationCount, violationCounts } from '../src/checker/violationKinds';
import { counterexampleSvg, counterexampleTimeline } from '../src/metrics/counterexampleTimeline';
import type { MetricsSeries } from '../src/metrics/series';
import { groupInvariants, invariantGroupLine, spanText } from '../src/metrics/storyText';

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Per key with oracle findings, why the checker's verdict stands beside them (ARCHITECTURE §6): the
 * oracle judges against the log's order, the checker the history alone. A contradiction is a bug, in red.
 */
function keyExplanationsHtml(summary: RunSummary): string {
  const explanations = summary.keyExplanations ?? [];
  if (explanations.length === 0) return '<p>The oracle found nothing on any key.</p>';
  const items = explanations.map((key) => `<li${key.contradicting > 0 ? ' class="fails"' : ''}>${escapeHtml(key.sentence)}</li>`).join('');
  return `<p>The oracle judges each operation against the order the log gave the writes (only the simulator knows it); the checker judges the history alone, so both can be right.</p><ul>${items}</ul>`;
}

export interface ReportInput {
  readonly experiment: Experiment;
  readonly summary: RunSummary;
  /** Chart name → SVG text. */
  readonly charts: ReadonlyArray<{ readonly name: string; readonly svg: string }>;
  readonly violations: readonly Violation[];
  readonly linearizability: LabHistoryVerdict | null;
  /** The guarantees table (issue 15), when the report should carry it. */
  readonly guarantees?: readonly GuaranteeRow[];
  /** The run's fault spans and CP/AP switches, for the counterexamples' bands (none when absent). */
  readonly metrics?: Pick<MetricsSeries, 'faults' | 'markers'>;
  /** Which replica each operation's call went to, for the counterexamples' lanes. */
  readonly operations?: ReadonlyArray<{ readonly id: number; readonly node: string }>;
}

/** Violations grouped by kind: "stale read ×794 (keys k1, k2, …)", each group's first 20 listed. */
function violationGroups(violations: readonly Violation[]): string {
  if (violations.length === 0) return '<p>none</p>';
  const byKind = new Map<string, Violation[]>();
  for (const violation of violations) byKind.set(violation.kind, [...(byKind.get(violation.kind) ?? []), violation]);
  return [...byKind]
    .sort((a, b) => b[1].length - a[1].length)
    .map(([kind, listed]) => {
      const keys = [...new Set(listed.map((violation) => violation.key))].sort();
      const lines = listed.slice(0, 20).map((violation) => `<li>${escapeHtml(violation.key)}: ${escapeHtml(violation.explanation)} — operations ${violation.operations.join(', ')}</li>`).join('');
      return `<details><summary><strong>${escapeHtml(kind)} ×${listed.length}</strong> (${keys.length === 1 ? 'key' : 'keys'} ${escapeHtml(keys.slice(0, 8).join(', '))}${keys.length > 8 ? ', …' : ''})</summary><ul>${lines}</ul>${listed.length > 20 ? `<p>… and ${listed.length - 20} more (see history.json).</p>` : ''}</details>`;
    })
    .join('\n');
}

/** The experiment's CP/AP policy in words, for the counterexample bands before any switch. */
function initialPolicyWords(consistency: Experiment['consistency']): string {
  if (consistency === 'cp' || consistency === 'ap') return consistency.toUpperCase();
  if (typeof consistency === 'object' && consistency !== null) {
    const knobs = consistency as { write?: string; read?: string };
    if (knobs.write === 'quorum' && knobs.read === 'linearizable') return 'CP';
    if (knobs.write === 'local' && knobs.read === 'local') return 'AP';
    return `write ${knobs.write ?? '?'}, read ${knobs.read ?? '?'}`;
  }
  return 'CP';
}

/**
 * A self-contained report.html: summary, expectations, every chart inline as SVG, the
 * violations with the operations behind them, and the checker's counterexamples. No script, no
 * network: it opens in any browser from a file.
 */
export function reportHtml(input: ReportInput): string {
  const { experiment, summary } = input;
  const v = summary.violations;
  const percent = (path: string, value: number | null) => shownOrReason(summary, path, value, (fraction) => `${(fraction * 100).toFixed(2)} %`);
  const latency = (path: string, value: RunSummary['latencyMs']) => (value === null ? shownOrReason(summary, path, null, String) : `p50 ${value.p50} · p95 ${value.p95} · p99 ${value.p99} · max ${value.max}`);
  const row = (label: string, value: string | number) => `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(String(value))}</td></tr>`;
  const nodeOf = new Map((input.operations ?? []).map((operation) => [operation.id, operation.node]));
  const via = (id: number) => (nodeOf.has(id) ? ` via ${nodeOf.get(id)}` : '');
  const failures = input.linearizability?.failures ?? [];
  /** Timelines for the first few keys (each is a picture); the rest as text. */
  const timelinesMax = 6;
  const counterexamples = failures.map(({ key, result }, index) => {
    const example = result.counterexample;
    if (example === undefined) return '';
    const steps = example.linearized.map((op) => `<li>op ${op.id} (client ${op.clientId}${via(op.id)}): <code>${escapeHtml(op.description)}</code> · ${escapeHtml(spanText(op.call, op.return))}</li>`).join('');
    const blocked = example.blocked === null ? '' : `<p class="blocked">cannot place op ${example.blocked.id} (client ${example.blocked.clientId}${via(example.blocked.id)}): <code>${escapeHtml(example.blocked.description)}</code> · ${escapeHtml(spanText(example.blocked.call, example.blocked.return))} — ${escapeHtml(example.explanation)}</p>`;
    const picture =
      index < timelinesMax
        ? `<figure>${counterexampleSvg(
            counterexampleTimeline({ counterexample: example, faults: input.metrics?.faults ?? [], markers: input.metrics?.markers ?? [], initialPolicy: initialPolicyWords(experiment.consistency), servedBy: (id) => nodeOf.get(id) ?? null, width: 960 }),
            `Counterexample on key ${key}: ${example.explanation}`,
          )}</figure>`
        : '';
    return `<section><h3>key ${escapeHtml(key)}</h3>${picture}${blocked}<details><summary>longest partial linearization (${example.linearized.length} operations)</summary><ol>${steps}</ol></details></section>`;
  });
  const invariantList = groupInvariants(summary.invariantsBroken)
    .map((group) => `<li><details><summary>${escapeHtml(invariantGroupLine(group))}</summary><ul>${group.sentences.slice(0, 50).map((sentence) => `<li>${escapeHtml(sentence)}</li>`).join('')}${group.count > 50 ? `<li>… and ${group.count - 50} more (see summary.json)</li>` : ''}</ul></details></li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>caplab report: ${escapeHtml(experiment.name)} (seed ${summary.seed})</title>
<style>
body { font-family: system-ui, 'DejaVu Sans', sans-serif; margin: 2rem auto; max-width: 1000px; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; } th, td { text-align: left; padding: .25rem .75rem; border-bottom: 1px solid #ddd; }
.holds { color: #1e8449; } .fails { color: #c0392b; font-weight: bold; } .blocked { color: #c0392b; }
figure { margin: 1.5rem 0; } svg { max-width: 100%; height: auto; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: .75rem; }
summary { cursor: pointer; } li { overflow-wrap: anywhere; }
</style></head><body>
<h1>${escapeHtml(experiment.title)}</h1>
<p>${escapeHtml(experiment.name)} · ${summary.protocol} · ${summary.runtime} · seed ${summary.seed} · ${summary.durationMs} ms</p>
<pre>${escapeHtml(experiment.description.trim())}</pre>
<h2>Summary</h2>
<table>
${row('operations', `${summary.ops.ok} ok, ${summary.ops.fail} fail, ${summary.ops.info} unknown`)}
${row('missed (offered, never issued)', summary.offered.missed)}
${row('availability (answered within the timeout ÷ offered)', percent('availability', summary.availability))}
${row('availability, majority / minority side of partitions', `${percent('availabilityBySide.majority', summary.availabilityBySide.majority)} / ${percent('availabilityBySide.minority', summary.availabilityBySide.minority)}`)}
${row('throughput offered / achieved', `${summary.offeredOpsPerSec.toFixed(1)} / ${summary.throughputOpsPerSec.toFixed(1)} ops/s`)}
${row('latency (ms) from the intended start', latency('latencyMs', summary.latencyMs))}
${row('latency (ms) uncorrected, from the issue', latency('latencyMsUncorrected', summary.latencyMsUncorrected))}
${row(violationCount('linearizability').label, `${shownOrReason(summary, 'violations.linearizability', v.linearizability, String)}${summary.linearizabilityUnknownKeys > 0 ? ` (+${summary.linearizabilityUnknownKeys} undecided)` : ''}`)}
${violationCounts.filter(({ key }) => key !== 'linearizability').map(({ key, label }) => row(label, shownOrReason(summary, `violations.${key}`, v[key], String))).join('')}
${row('invariants broken', summary.invariantsBroken.length === 0 ? 'none' : `${summary.invariantsBroken.length}, in ${groupInvariants(summary.invariantsBroken).length} kinds (below)`)}
${summary.clusterInvariants === undefined ? '' : row('cluster-wide invariants', `sampled every ${summary.clusterInvariants.everyMs} ms of lab time (${summary.clusterInvariants.checkCount} checks): log matching and leader completeness are checked on snapshots of the live replicas`)}
${row('unsafe switches', summary.unsafe.length === 0 ? 'none' : summary.unsafe.join(', '))}
${row('messages', `${summary.messages.sent} sent, ${summary.messages.delivered} delivered, ${summary.messages.dropped} dropped, ${summary.messages.duplicated} duplicated (${summary.messagesPerOp.toFixed(1)} per operation)`)}
${row('traceSha256', summary.traceSha256)}
</table>
<h2>Expectations</h2>
<ul>${summary.expectations.map((e) => `<li class="${e.holds ? 'holds' : 'fails'}">${escapeHtml(e.expr)}: ${e.holds ? 'holds' : `fails (actual ${e.actual ?? 'missing'})`}</li>`).join('') || '<li>none</li>'}</ul>
${invariantList === '' ? '' : `<h2>Invariants broken (${summary.invariantsBroken.length}), by kind</h2><ul>${invariantList}</ul>`}
<h2>Charts</h2>
${input.charts.map((chart) => `<figure aria-label="${escapeHtml(chart.name)}">${chart.svg}</figure>`).join('\n')}
<h2>Violations (${input.violations.length}), by kind</h2>
${violationGroups(input.violations)}
<h2>The oracle beside the checker, per key</h2>
${keyExplanationsHtml(summary)}
<h2>Linearizability counterexamples</h2>
${counterexamples.join('\n') || '<p>none: every key is linearizable.</p>'}
${input.guarantees === undefined ? '' : guaranteesSectionHtml(input.guarantees)}
</body></html>
`;
}
