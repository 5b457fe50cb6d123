import { resolve } from 'node:path';
import { type Page, expect, test } from '@playwright/test';
import { pageErrors, screenshots, servedLab, shoot } from './servedLab';

// Issue 8, as a newcomer would: open the gallery, open the CP partition preset, run it, crash the
// leader by clicking it, switch to AP during the partition, watch the violation counter rise,
// stop, open the results (export, checker verdict, counterexample), download the bundle, import it
// and see that it reproduced. Screenshots of each screen go to test-results/screenshots/.
const lab = servedLab();

const clockSeconds = async (page: Page) => Number.parseFloat(await page.getByTestId('run-clock').innerText());

test('a newcomer runs the CP partition preset, breaks it with AP, and replays the bundle', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = pageErrors(page);

  await page.goto(lab().url);
  await expect(page.getByRole('heading', { name: 'Experiments' })).toBeVisible();
  const partitionCard = page.getByRole('button', { name: 'Open Partition a 5-node Raft cluster, stay consistent' });
  await expect(partitionCard).toBeVisible();
  await shoot(page, '1-gallery');

  await partitionCard.click();
  await expect(page.getByRole('heading', { name: 'Partition a 5-node Raft cluster, stay consistent' })).toBeVisible();
  await expect(page.getByTestId('consistency-mode')).toHaveText('CP');
  await page.getByRole('button', { name: 'Start the run' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('running');

  // Crash the leader by clicking it, before the partition at 3 s.
  const leader = page.locator('[data-role="leader"]');
  await expect(leader).toHaveCount(1, { timeout: 20_000 });
  const leaderId = await leader.getAttribute('data-node');
  await shoot(page, '2-lab-cp-running');
  await leader.getByRole('button', { name: new RegExp(`^Crash ${leaderId} \\(leader\\)`) }).click();
  await expect(page.locator(`[data-node="${leaderId}"]`)).toHaveAttribute('data-role', 'crashed');

  // During the partition (3 s – 8 s) switch to AP: both sides answer, and reads go stale.
  await expect.poll(() => clockSeconds(page), { timeout: 30_000 }).toBeGreaterThan(3.3);
  await expect(page.getByTestId('stale-read-count')).toHaveText('0');
  await page.getByRole('radio', { name: 'AP: local writes, local reads' }).click();
  await expect(page.getByTestId('consistency-mode')).toHaveText('AP');
  await expect.poll(async () => Number(await page.getByTestId('stale-read-count').innerText()), { timeout: 30_000 }).toBeGreaterThan(0);
  await shoot(page, '3-lab-ap-violations');

  await page.getByRole('button', { name: 'Stop the run' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('ended', { timeout: 30_000 });
  await expect(page.getByTestId('oracle-violations')).toBeVisible();

  await page.getByRole('button', { name: 'Open the results' }).click();
  const bundleButton = page.getByRole('button', { name: 'Download bundle.zip' });
  await expect(bundleButton).toBeEnabled({ timeout: 60_000 });
  await expect(page.getByTestId('checker-verdict')).toContainText('not-linearizable', { timeout: 60_000 });
  await expect(page.getByRole('img', { name: /^Counterexample on key/ })).toBeVisible();
  expect(Number(await page.getByTestId('violations-staleRead').innerText())).toBeGreaterThan(0);
  await expect(page.locator('[data-chart="violations"]')).toBeVisible();
  await shoot(page, '4-results');
  await page.getByRole('region', { name: 'Charts' }).scrollIntoViewIfNeeded();
  await shoot(page, '5-results-charts');

  const [download] = await Promise.all([page.waitForEvent('download'), bundleButton.click()]);
  expect(download.suggestedFilename()).toBe('bundle.zip');
  const bundlePath = resolve(screenshots, '..', 'newcomer-bundle.zip');
  await download.saveAs(bundlePath);

  // Click an operation of the counterexample: the replay opens at its call, and can be scrubbed and stepped.
  await page.getByRole('region', { name: 'Linearizability check' }).getByRole('button', { name: /^Replay at operation/ }).first().click();
  await expect(page.getByTestId('replay-time')).toBeVisible({ timeout: 60_000 });
  expect(Number.parseFloat(await page.getByTestId('replay-time').innerText())).toBeGreaterThan(0);
  await expect(page.getByRole('region', { name: 'Replicas at this instant' }).locator('tr[data-replica]')).toHaveCount(5);
  await expect(page.getByTestId('space-time-canvas')).toBeVisible();
  await shoot(page, '5b-replay-at-violation');
  await page.getByTestId('replay-scrubber').fill('0');
  await expect(page.getByTestId('replay-event')).toHaveText('Before the first event.');
  await page.getByRole('button', { name: 'Step forward one event' }).click();
  await expect(page.getByTestId('replay-event')).toContainText('header');
  const scrubber = page.getByTestId('replay-scrubber');
  await scrubber.fill(String(Math.floor(Number(await scrubber.getAttribute('max')) / 2)));
  await expect(page.getByRole('region', { name: 'Replicas at this instant' }).locator('tr[data-role="leader"]')).not.toHaveCount(0);

  // Compare: the same experiment and seed on Raft, VR and Multi-Paxos, side by side.
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await page.getByRole('button', { name: 'Run on Raft, VR and Paxos' }).click();
  await expect(page.getByTestId('compare-summary-raft')).toContainText('availability', { timeout: 60_000 });
  await expect(page.getByTestId('compare-summary-vr')).toContainText('availability', { timeout: 60_000 });
  await expect(page.getByTestId('compare-summary-paxos')).toContainText('availability', { timeout: 60_000 });
  await shoot(page, '5c-compare');

  await page.getByRole('button', { name: 'Gallery', exact: true }).click();
  await page.getByLabel('Run bundle').setInputFiles(bundlePath);
  await expect(page.getByTestId('import-result')).toContainText('Reproduced', { timeout: 60_000 });
  await expect(page.getByTestId('import-result')).toContainText('raft-partition-cp');
  await shoot(page, '6-imported');
  await page.getByRole('button', { name: 'Replay', exact: true }).click();
  await expect(page.getByRole('heading', { name: /Replay · bundle raft-partition-cp/ })).toBeVisible();

  // A bundle is not an experiment to run: the Lab starts afresh (issue 17), so the newcomer opens
  // the preset again and finds a Lab with nothing of the earlier run, ready to start.
  await expect(page.getByRole('button', { name: 'Lab', exact: true })).toBeDisabled();
  await page.keyboard.press('t');
  await page.getByRole('button', { name: 'Gallery', exact: true }).click();
  await page.getByRole('button', { name: 'Open Partition a 5-node Raft cluster, stay consistent' }).click();
  await expect(page.getByRole('button', { name: 'Start the run' })).toBeEnabled();
  await shoot(page, '7-lab-dark');
  await page.keyboard.press('?');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
  await shoot(page, '8-help');
  expect(errors).toEqual([]);
});
