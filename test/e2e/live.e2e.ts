import { expect, test } from '@playwright/test';
import { resolve } from 'node:path';
import { screenshots, servedLab, shoot } from './servedLab';

// Issue 8, the live runtime from the app: run the leader-crash preset on worker threads (one per
// replica, real time), watch messages fly, crash the leader by clicking it and see another take
// over, stop, read the results as a live run's, export it with progress, and import the bundle:
// a live run is shown as it was, its trace checked against its digest.
const lab = servedLab();

test('a live (threads) run from the app: crash the leader, stop, export and import', async ({ page }) => {
  test.setTimeout(150_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));

  await page.goto(lab().url);
  await page.getByRole('button', { name: 'Open Crash the Raft leader, watch the election' }).click();
  await page.getByRole('combobox', { name: 'Runtime' }).selectOption('threads');
  await expect(page.getByRole('combobox', { name: 'Time scale (lab time per wall time)' })).toBeVisible();
  await page.getByRole('button', { name: 'Start the run' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('running', { timeout: 30_000 });

  const leader = page.locator('[data-role="leader"]');
  await expect(leader).toHaveCount(1, { timeout: 20_000 });
  const leaderId = (await leader.getAttribute('data-node')) as string;
  await expect(page.getByText(/^showing \d+ of [\d,]+ messages\/s/)).toBeVisible({ timeout: 10_000 });
  await shoot(page, 'live-1-running');
  await leader.getByRole('button', { name: new RegExp(`^Crash ${leaderId} \\(leader\\)`) }).click();
  await expect(page.locator(`[data-node="${leaderId}"]`)).toHaveAttribute('data-role', 'crashed');
  await expect(page.locator(`[data-role="leader"]:not([data-node="${leaderId}"])`)).toHaveCount(1, { timeout: 20_000 });
  await shoot(page, 'live-2-new-leader');
  // The space-time diagram follows the newest messages: its window is past the first seconds and holds lines.
  await expect(page.getByTestId('space-time-canvas')).toHaveAttribute('aria-label', /: [1-9]\d* messages between [1-9]\d{3,}\.\d and /);

  await page.getByRole('button', { name: 'Stop the run' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('ended', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Open the results' }).click();
  await expect(page.getByTestId('summary-line')).toContainText('live (worker threads');
  const bundleButton = page.getByRole('button', { name: 'Download bundle.zip' });
  await expect(bundleButton).toBeEnabled({ timeout: 60_000 });
  await shoot(page, 'live-3-results');
  const [download] = await Promise.all([page.waitForEvent('download'), bundleButton.click()]);
  const bundlePath = resolve(screenshots, '..', 'live-bundle.zip');
  await download.saveAs(bundlePath);

  await page.getByRole('button', { name: 'Gallery', exact: true }).click();
  await page.getByLabel('Run bundle').setInputFiles(bundlePath);
  await expect(page.getByTestId('import-result')).toContainText('A live run', { timeout: 60_000 });
  await expect(page.getByTestId('import-result')).toContainText('Its trace matches the digest');
  expect(errors).toEqual([]);
});
