import { expect, test } from '@playwright/test';
import { pageErrors, servedLab, shoot } from './servedLab';

// Issue 18, the Swarm screen: pick VR and its unsafe switch, swarm a few seeds, see the known
// failing seed (seed 2 under draw versions 2 and 3, pinned in test/swarm/swarm.test.ts) with its reproduce
// command and manifest, and open it in the lab.
const lab = servedLab();

test('a workshop user swarms VR with startViewWithOwnLog on, finds seed 2 failing on safety, and opens it in the lab', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = pageErrors(page);

  await page.goto(lab().url);
  await page.getByRole('button', { name: 'Swarm', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Swarm testing' })).toBeVisible();
  await page.getByRole('combobox', { name: 'Protocol' }).selectOption('vr');
  await page.getByRole('checkbox', { name: 'Unsafe switch startViewWithOwnLog' }).check();
  await page.getByRole('spinbutton', { name: 'First seed' }).fill('1');
  await page.getByRole('spinbutton', { name: 'Number of seeds' }).fill('2');
  await page.getByRole('button', { name: 'Start the swarm' }).click();
  await expect(page.getByTestId('swarm-status')).toHaveText('finished', { timeout: 200_000 });

  await expect(page.getByRole('progressbar', { name: 'Seeds finished' })).toHaveAttribute('aria-valuenow', '2');
  await expect(page.getByTestId('swarm-total')).toContainText('failing seeds: 2');
  await expect(page.getByTestId('swarm-total')).toContainText('safety failures 1');
  const failing = page.getByRole('region', { name: 'Failing seed 2' });
  await expect(failing).toContainText('safety');
  await expect(failing.getByTestId('swarm-reproduce')).toHaveText('npx caplab swarm --protocol vr --seeds 1 --first-seed 2 --unsafe startViewWithOwnLog');
  await failing.getByText('Manifest (the drawn experiment)').click();
  await expect(failing.locator('pre')).toContainText('name: swarm-vr-2');
  await shoot(page, 'swarm-failing');
  expect(errors).toEqual([]);

  await page.getByRole('button', { name: 'Open seed 2 in the lab' }).click();
  await expect(page.getByRole('spinbutton', { name: 'Seed', exact: true })).toHaveValue('2');
  await expect(page.getByRole('combobox', { name: 'Protocol' })).toHaveValue('vr');
});
