import { anomalyLabels, cellText, databaseProfiles, type GuaranteeRow } from '../src/experiment/guarantees';

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The guarantees table as an HTML section (ARCHITECTURE §11, issue 15): one row per database
 * profile, one cell per anomaly — "never in N runs" or "k of N runs" with the documented claim
 * beside it; a cell where the lab saw what the documentation says cannot happen is flagged, with
 * the scenario and seed that reproduce it.
 */
export function guaranteesSectionHtml(rows: readonly GuaranteeRow[]): string {
  const anomalies = rows[0]?.cells.map((cell) => cell.anomaly) ?? [];
  const head = `<tr><th>profile</th>${anomalies.map((anomaly) => `<th>${escapeHtml(anomalyLabels[anomaly])}</th>`).join('')}</tr>`;
  const body = rows
    .map((row) => {
      const profile = databaseProfiles.find((candidate) => candidate.name === row.profile);
      const cells = row.cells
        .map((cell) => {
          const where = cell.seenIn.map((entry) => `${entry.scenario} ×${entry.count} (seed ${entry.seed})`).join('; ');
          const flag = cell.contradicts ? '<strong class="fails"> CONTRADICTS THE DOCUMENTATION</strong>' : '';
          return `<td class="${cell.contradicts ? 'fails' : cell.seen === 0 ? 'holds' : ''}" title="${escapeHtml(where)}">${escapeHtml(cellText(cell))}<br><small>documented: ${cell.claim}</small>${flag}</td>`;
        })
        .join('');
      const quote = profile === undefined ? '' : `<br><small>${escapeHtml(profile.quote)} <a href="${escapeHtml(profile.source)}">${escapeHtml(profile.source)}</a></small>`;
      return `<tr><th>${escapeHtml(row.system)} — ${escapeHtml(row.setting)}${quote}</th>${cells}</tr>`;
    })
    .join('\n');
  const contradictions = rows.flatMap((row) => row.cells.filter((cell) => cell.contradicts).map((cell) => `${row.profile}: ${anomalyLabels[cell.anomaly]}`));
  const verdict = contradictions.length === 0 ? '<p class="holds">No cell contradicts the documented claims.</p>' : `<p class="fails">${contradictions.length} cells contradict the documented claims: ${escapeHtml(contradictions.join(', '))}</p>`;
  return `<h2>What the documentation says, beside what the lab saw</h2>\n${verdict}\n<table>\n${head}\n${body}\n</table>`;
}

/** A self-contained guarantees.html (no script, no network), as `caplab guarantees --out` writes it. */
export function guaranteesHtml(rows: readonly GuaranteeRow[], seeds: number): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>caplab guarantees (${seeds} seeds per scenario)</title>
<style>
body { font-family: system-ui, 'DejaVu Sans', sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 13px; } th, td { text-align: left; vertical-align: top; padding: .25rem .5rem; border-bottom: 1px solid #ddd; }
.holds { color: #1e8449; } .fails { color: #c0392b; font-weight: bold; }
</style></head><body>
<h1>What your database actually guarantees</h1>
<p>Every profile through every scenario for ${seeds} seeds each; hover a cell for the scenarios and seeds that showed it.</p>
${guaranteesSectionHtml(rows)}
</body></html>
`;
}
