import { expect, test } from '@playwright/test';
import { pageErrors, servedLab, shoot } from './servedLab';

// Issue 8, the sweep: from the lab view open the sweep screen for the open experiment, sweep three
// seeds, watch them finish with a progress bar, and read a total that matches the table.
const lab = servedLab();

test('a workshop user sweeps the healthy preset over three seeds from the lab', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = pageErrors(page);

  await page.goto(lab().url);
  await page.getByRole('button', { name: /^Open A healthy 5-node Raft cluster/ }).first().click();
  await page.getByRole('button', { name: /^Sweep seeds/ }).click();
  await expect(page.getByRole('heading', { name: /^Sweep seeds/ })).toContainText('A healthy 5-node Raft cluster');

  await page.getByRole('spinbutton', { name: 'First seed' }).fill('11');
  await page.getByRole('spinbutton', { name: 'Number of seeds' }).fill('3');
  await page.getByRole('button', { name: 'Start the sweep' }).click();
  await expect(page.getByTestId('sweep-status')).toHaveText('finished', { timeout: 90_000 });

  const progress = page.getByRole('progressbar', { name: 'Seeds finished' });
  await expect(progress).toHaveAttribute('aria-valuenow', '3');
  await expect(progress).toHaveAttribute('aria-valuemax', '3');
  await expect(page.getByTestId('sweep-done')).toHaveText('3 / 3');
  const rows = page.locator('tr[data-seed]');
  await expect(rows).toHaveCount(3);
  expect((await rows.evaluateAll((each) => each.map((row) => Number(row.getAttribute('data-seed'))))).sort()).toEqual([11, 12, 13]);
  // The total line counts exactly the rows that say passed.
  const passedRows = await page.locator('tr[data-passed="true"]').count();
  await expect(page.getByTestId('sweep-total')).toContainText(`Passed ${passedRows} of 3`);
  await expect(page.getByRole('button', { name: /^Open seed \d+ in the lab$/ })).toHaveCount(3 - passedRows);
  await shoot(page, 'sweep-light');
  await page.getByRole('button', { name: 'Switch to the dark theme' }).click();
  await shoot(page, 'sweep-dark');
  expect(errors).toEqual([]);
});

test('every seed of a Raft-only unsafe preset run on VR fails its expect lines, and a failing seed opens in the lab', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(lab().url);
  // The preset expects its unsafe switch to break Raft; the switch is Raft's, so on VR nothing breaks and the expect lines fail.
  await page.getByRole('button', { name: /^Open Unsafe: committing an old term/ }).first().click();
  await page.getByRole('button', { name: 'Sweep', exact: true }).click();
  await page.getByRole('spinbutton', { name: 'Number of seeds' }).fill('2');
  await page.getByRole('combobox', { name: 'Protocol' }).selectOption('vr');
  await page.getByRole('button', { name: 'Start the sweep' }).click();
  await expect(page.getByTestId('sweep-status')).toHaveText('finished', { timeout: 90_000 });

  const rows = page.locator('tr[data-seed]');
  await expect(rows).toHaveCount(2);
  await expect(page.locator('tr[data-passed="false"]')).toHaveCount(2);
  const seeds = await rows.evaluateAll((each) => each.map((row) => Number(row.getAttribute('data-seed'))));
  await expect(page.getByTestId('sweep-total')).toContainText(`Passed 0 of 2 · failing seeds: ${[...seeds].sort((a, b) => a - b).join(', ')}`);
  await expect(rows.first()).toContainText('expect invariantsBroken > 0 (actual 0)');
  // Four of five VR replicas crash at once in this preset: more than f, so the divergence is explained.
  await expect(rows.first()).toContainText('beyond the fault model');
  await shoot(page, 'sweep-failing');

  const seed = seeds[1] as number;
  await page.getByRole('button', { name: `Open seed ${seed} in the lab` }).click();
  await expect(page.getByRole('spinbutton', { name: 'Seed', exact: true })).toHaveValue(String(seed));
  await expect(page.getByRole('combobox', { name: 'Protocol' })).toHaveValue('vr');
});
