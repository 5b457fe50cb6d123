import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { pageErrors, servedLab, shoot } from './servedLab';

// Issue 15, the Guarantees screen: a workshop runs two database profiles for one seed, reads the
// table beside the documented claims, downloads it as CSV, and opens a broken cell's worst run in the lab.
const lab = servedLab();

test('a workshop runs etcd and Consul ?stale for one seed, reads the table, downloads the CSV and opens a stale read in the lab', async ({ page }) => {
  test.setTimeout(300_000);
  const errors = pageErrors(page);

  await page.goto(lab().url);
  await page.getByRole('button', { name: 'Guarantees', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'What your database actually guarantees' })).toBeVisible();
  // Before a run: an honest empty state, no table.
  await expect(page.getByTestId('guarantees-empty')).toContainText('Nothing has run on this screen');
  await expect(page.getByRole('button', { name: 'Download the table as CSV' })).toBeDisabled();

  await page.getByRole('button', { name: 'none', exact: true }).click();
  await page.getByRole('checkbox', { name: 'Profile etcd-linearizable' }).check();
  await page.getByRole('checkbox', { name: 'Profile consul-stale' }).check();
  await page.getByRole('spinbutton', { name: 'Seeds per profile and scenario' }).fill('1');
  await expect(page.getByRole('button', { name: 'Run the guarantees table' })).toHaveText('▶ Run 10 runs');
  await page.getByRole('button', { name: 'Run the guarantees table' }).click();
  await expect(page.getByTestId('guarantees-status')).toHaveText('finished', { timeout: 240_000 });
  await expect(page.getByRole('progressbar', { name: 'Runs finished' })).toHaveAttribute('aria-valuenow', '10');
  await expect(page.getByTestId('guarantees-verdict')).toHaveText('no cell contradicts the documented claims so far');

  const table = page.getByRole('region', { name: 'Guarantees table' });
  await expect(table.locator('tbody tr')).toHaveCount(2);
  const etcdStale = table.locator('tr[data-profile="etcd-linearizable"] td[data-anomaly="staleRead"]');
  await expect(etcdStale).toContainText('never in 5 runs');
  await expect(etcdStale).toContainText('documented: never');
  const consulStale = table.locator('tr[data-profile="consul-stale"] td[data-anomaly="staleRead"]');
  await expect(consulStale).toContainText('5 of 5 runs');
  await expect(consulStale).toContainText('documented: may happen');
  await expect(table.getByText('contradicts the documentation')).toHaveCount(0);
  await shoot(page, 'guarantees-table');

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download the table as CSV' }).click();
  const csv = await readFile(await (await download).path(), 'utf8');
  expect(csv.split('\n')[0]).toBe('profile,system,setting,anomaly,runs,seen,undecided,documented,contradicts,seen_in');
  expect(csv).toContain('consul-stale,Consul,?stale,staleRead,5,5,0,possible,false,');

  const open = consulStale.getByRole('button', { name: /^Open the worst run of consul-stale, stale read in the lab \((\S+), seed 1\)$/ });
  const scenario = /\((\S+), seed 1\)$/.exec((await open.getAttribute('aria-label')) ?? '')?.[1];
  await open.click();
  await expect(page.getByRole('spinbutton', { name: 'Seed', exact: true })).toHaveValue('1');
  await expect(page.locator('.app-header-run')).toContainText(`Consul ?stale: ${scenario}`);
  await page.getByRole('button', { name: 'Start the run' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('ended', { timeout: 120_000 });
  expect(errors).toEqual([]);
});
