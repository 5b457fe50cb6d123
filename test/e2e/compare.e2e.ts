import { expect, test } from '@playwright/test';
import { pageErrors, servedLab, shoot } from './servedLab';

// Issues 16 and 17 item 5, Compare three-way: open a small preset, run it on Raft, VR and
// Multi-Paxos with one seed and fault schedule, read the difference table (a value per protocol
// and a reading per row) and see each chart once per protocol, the violations drawn once counted.
const lab = servedLab();

test('a three-way compare of the Paxos leader-crash preset: the difference table and a chart per protocol', async ({ page }) => {
  test.setTimeout(300_000);
  const errors = pageErrors(page);

  await page.goto(lab().url);
  await page.getByRole('button', { name: /^Open Crash the Paxos leader, watch phase 1 elect the next/ }).first().click();
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await expect(page.getByRole('heading', { name: /^Compare Raft, VR and Paxos/ })).toContainText('Crash the Paxos leader');
  await page.getByRole('button', { name: 'Run on Raft, VR and Paxos' }).click();
  for (const protocol of ['raft', 'vr', 'paxos']) await expect(page.getByTestId(`compare-summary-${protocol}`)).toContainText('availability', { timeout: 120_000 });

  const table = page.getByRole('region', { name: 'Differences' });
  await expect(table.getByRole('columnheader')).toHaveText(['Measure', 'Raft', 'VR', 'Paxos', 'Reading']);
  const rows = table.locator('tbody tr');
  await expect(rows).toHaveCount(5);
  expect(await rows.evaluateAll((each) => each.map((row) => row.getAttribute('data-metric')))).toEqual(['downtime', 'messagesPerOp', 'p99', 'availability', 'violations']);
  for (const metric of ['downtime', 'messagesPerOp', 'p99', 'availability', 'violations']) {
    // Each run measures each: every protocol's cell holds a number, and the row is read in one sentence
    // that names who did best and worst with a figure, or says all three were level.
    const row = table.locator(`tr[data-metric="${metric}"]`);
    for (const protocol of ['raft', 'vr', 'paxos']) await expect(row.locator(`td[data-protocol="${protocol}"]`)).toHaveText(/\d/);
    await expect(row.locator('td.reading')).toHaveText(/^((Raft|VR|Paxos)\b.*\d.*|.*all three.*|None of the three .*)\.$/);
  }
  // The same fault schedule on a CP cluster breaks no guarantee on any protocol.
  await expect(table.locator('tr[data-metric="violations"] td.reading')).toHaveText('None of the three broke a guarantee the checks look for.');

  // One chart per protocol in each row, all drawn (ECharts has painted a canvas in each).
  for (const chart of ['throughput', 'latency', 'availability']) {
    const row = page.locator(`[data-chart-row="${chart}"]`);
    await expect(row.locator(`[data-chart="${chart}"]`)).toHaveCount(3);
    expect(await row.locator(`[data-chart="${chart}"]`).evaluateAll((each) => each.map((figure) => figure.getAttribute('data-protocol')))).toEqual(['raft', 'vr', 'paxos']);
    for (const protocol of ['Raft', 'Viewstamped Replication', 'Multi-Paxos']) await expect(row.getByRole('img', { name: new RegExp(`, ${protocol}$`) }).locator('canvas')).toHaveCount(1);
  }
  // Once the runs ended and their violations were counted, the violations row is three charts, no placeholder.
  const violations = page.locator('[data-chart-row="violations"]');
  await expect(violations.locator('[data-chart="violations"]')).toHaveCount(3, { timeout: 120_000 });
  await expect(violations.getByRole('note')).toHaveCount(0);
  await shoot(page, 'compare-three-way');
  expect(errors).toEqual([]);
});
