import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { installedCopy, plainEnv } from '../install/installedCopy';
import { screenshots, servedLab, shoot } from './servedLab';

// Issue 12, the installed copy in a browser: `caplab serve` of the package installed from its
// tarball (test/install/installedCopy.ts: production dependencies only, outside the repository),
// started from a user's folder. Open a preset, run it live on worker threads, crash the leader,
// see another take over, and export a chart as PNG: the workers and the native PNG renderer of
// the installed copy, driven from its own served interface.
let userFolder: string | undefined;
const lab = servedLab(() => {
  userFolder = mkdtempSync(join(tmpdir(), 'caplab-user-'));
  return { command: installedCopy().bin, args: [], cwd: userFolder, env: plainEnv() };
});
test.afterAll(() => {
  if (userFolder !== undefined) rmSync(userFolder, { recursive: true, force: true });
});

test('the installed copy serves the lab: a live run, a crashed leader, a new one, a chart as PNG', async ({ page }) => {
  test.setTimeout(150_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));

  await page.goto(lab().url);
  await page.getByRole('button', { name: 'Open Crash the Raft leader, watch the election' }).click();
  await page.getByRole('combobox', { name: 'Runtime' }).selectOption('threads');
  await page.getByRole('button', { name: 'Start the run' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('running', { timeout: 30_000 });

  const leader = page.locator('[data-role="leader"]');
  await expect(leader).toHaveCount(1, { timeout: 20_000 });
  const leaderId = (await leader.getAttribute('data-node')) as string;
  await leader.getByRole('button', { name: new RegExp(`^Crash ${leaderId} \\(leader\\)`) }).click();
  await expect(page.locator(`[data-node="${leaderId}"]`)).toHaveAttribute('data-role', 'crashed');
  await expect(page.locator(`[data-role="leader"]:not([data-node="${leaderId}"])`)).toHaveCount(1, { timeout: 20_000 });
  await shoot(page, 'installed-1-new-leader');

  await page.getByRole('button', { name: 'Stop the run' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('ended', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Open the results' }).click();
  const pngButton = page.getByRole('button', { name: 'Download the throughput chart as PNG' });
  await expect(pngButton).toBeEnabled({ timeout: 60_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), pngButton.click()]);
  const saved = resolve(screenshots, '..', 'installed-throughput.png');
  await download.saveAs(saved);
  expect(readFileSync(saved).subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  await shoot(page, 'installed-2-results');
  expect(errors).toEqual([]);
});
