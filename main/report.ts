import type { Violation } from '../src/checker/oracle';
import type { LabHistoryVerdict } from '../src/checker/labHistory';
import type { Experiment } from '../src/experiment/schema';
import { type RunSummary, shownOrReason } from '../src/experiment/summary';
import type { GuaranteeRow } from '../src/experiment/guarantees';
import { guaranteesSectionHtml } from './guaranteesReport';

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface ReportInput {
  readonly experiment: Experiment;
  readonly summary: RunSummary;
  /** Chart name → SVG text. */
  readonly charts: ReadonlyArray<{ readonly name: string; readonly svg: string }>;
  readonly violations: readonly Violation[];
  readonly linearizability: LabHistoryVerdict | null;
  /** The guarantees table (issue 15), when the report should carry it. */
  readonly guarantees?: readonly GuaranteeRow[];
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
  const violationsShown = input.violations.slice(0, 200);
  const counterexamples = (input.linearizability?.failures ?? []).map(({ key, result }) => {
    const example = result.counterexample;
    if (example === undefined) return '';
    const steps = example.linearized.map((op) => `<li>op ${op.id} (client ${op.clientId}): ${escapeHtml(op.description)}</li>`).join('');
    const blocked = example.blocked === null ? '' : `<p class="blocked">cannot place op ${example.blocked.id} (client ${example.blocked.clientId}): ${escapeHtml(example.blocked.description)} — ${escapeHtml(example.explanation)}</p>`;
    return `<section><h3>key ${escapeHtml(key)}</h3><p>longest partial linearization (${example.linearized.length} operations):</p><ol>${steps}</ol>${blocked}</section>`;
  });
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
${row('linearizability (keys rejected)', `${shownOrReason(summary, 'violations.linearizability', v.linearizability, String)}${summary.linearizabilityUnknownKeys > 0 ? ` (+${summary.linearizabilityUnknownKeys} undecided)` : ''}`)}
${row('stale reads', v.staleRead)}${row('lost writes', v.lostWrite)}${row('monotonic-read breaks', v.monotonicRead)}${row('read-your-writes breaks', v.readYourWrites)}${row('diverged keys', v.divergence)}
${row('invariants broken', summary.invariantsBroken.length === 0 ? 'none' : summary.invariantsBroken.join('; '))}
${summary.clusterInvariants === undefined ? '' : row('cluster-wide invariants', `sampled every ${summary.clusterInvariants.everyMs} ms of lab time (${summary.clusterInvariants.checkCount} checks): log matching and leader completeness are checked on snapshots of the live replicas`)}
${row('unsafe switches', summary.unsafe.length === 0 ? 'none' : summary.unsafe.join(', '))}
${row('messages', `${summary.messages.sent} sent, ${summary.messages.delivered} delivered, ${summary.messages.dropped} dropped, ${summary.messages.duplicated} duplicated (${summary.messagesPerOp.toFixed(1)} per operation)`)}
${row('traceSha256', summary.traceSha256)}
</table>
<h2>Expectations</h2>
<ul>${summary.expectations.map((e) => `<li class="${e.holds ? 'holds' : 'fails'}">${escapeHtml(e.expr)}: ${e.holds ? 'holds' : `fails (actual ${e.actual ?? 'missing'})`}</li>`).join('') || '<li>none</li>'}</ul>
<h2>Charts</h2>
${input.charts.map((chart) => `<figure aria-label="${escapeHtml(chart.name)}">${chart.svg}</figure>`).join('\n')}
<h2>Violations (${input.violations.length})</h2>
<ul>${violationsShown.map((violation) => `<li>${escapeHtml(violation.kind)} on ${escapeHtml(violation.key)}: ${escapeHtml(violation.explanation)} — operations ${violation.operations.join(', ')}</li>`).join('') || '<li>none</li>'}</ul>
${input.violations.length > violationsShown.length ? `<p>… and ${input.violations.length - violationsShown.length} more (see history.json).</p>` : ''}
<h2>Linearizability counterexamples</h2>
${counterexamples.join('\n') || '<p>none: every key is linearizable.</p>'}
${input.guarantees === undefined ? '' : guaranteesSectionHtml(input.guarantees)}
</body></html>
`;
}
