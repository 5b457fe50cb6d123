import { expect, type Page, test } from '@playwright/test';
import { pageErrors, servedLab, shoot } from './servedLab';

// Issue 17: a student opens the Figure 8 preset, runs it, and plays its story in the replay; at
// the moment n5 overwrites the entries n1 committed, the Replica logs show n5's entries at those
// indices flagged as differing from what was committed, and the replicas it overwrote flagged too.
const lab = servedLab();

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  const toggle = page.getByRole('button', { name: /^Switch to the (dark|light) theme$/ });
  if ((await toggle.getAttribute('aria-label')) === `Switch to the ${theme} theme`) await toggle.click();
}

/** Screenshots at the projector's size and a laptop's, in both themes. */
async function shootSizes(page: Page, name: string): Promise<void> {
  for (const size of [{ width: 1280, height: 720 }, { width: 1440, height: 900 }]) {
    await page.setViewportSize(size);
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(page, theme);
      await shoot(page, `${name}-${size.width}x${size.height}-${theme}`);
    }
  }
  await setTheme(page, 'light');
  await page.setViewportSize({ width: 1440, height: 900 });
}

test('Figure 8: play the story to the overwrite, and the Replica logs flag n5’s entries at the committed indices', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = pageErrors(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(lab().url);
  await page.getByRole('button', { name: /^Open Unsafe: committing an old term's entry by counting replicas/ }).click();
  await expect(page.getByRole('heading', { name: /Raft Figure 8/ })).toBeVisible();
  await page.getByRole('button', { name: 'Start the run' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('ended', { timeout: 120_000 });

  const labLogs = page.getByRole('region', { name: 'Replica logs' });
  await expect(labLogs).toBeVisible();
  // Live, the logs follow the newest entries (past 1 600 at the end): the overwrite happened far to the left.
  await expect(labLogs.getByRole('group', { name: /^n5:/ }).locator('button').first()).toBeVisible();
  await labLogs.scrollIntoViewIfNeeded();
  await shootSizes(page, 'figure8-lab-logs');
  // Every chart marks the run's moments (the preset's five and those found: elections, the overwrite, the first violations).
  const commitChart = page.locator('[data-chart="commit-index"]');
  await expect(commitChart).toHaveAttribute('data-moments', /^\d+$/);
  expect(Number(await commitChart.getAttribute('data-moments'))).toBeGreaterThanOrEqual(5);
  await commitChart.scrollIntoViewIfNeeded();
  await shoot(page, 'figure8-lab-chart-moments');

  await page.getByRole('button', { name: 'Replay', exact: true }).click();
  await expect(page.getByTestId('replay-time')).toBeVisible({ timeout: 90_000 });
  await page.getByRole('combobox', { name: 'Replay rate' }).selectOption('5000000');

  await page.getByRole('button', { name: 'Play the story (pause at each moment)' }).click();
  const caption = page.getByTestId('story-caption');
  await expect(caption).toBeVisible({ timeout: 30_000 });
  for (let moment = 0; moment < 12 && !/overwrites index/.test(await caption.innerText()); moment++) {
    const before = await caption.innerText();
    await page.getByRole('button', { name: 'Play on to the next moment' }).click();
    await expect(caption).not.toHaveText(before, { timeout: 30_000 });
  }
  await expect(caption).toContainText('n5 overwrites index 405');
  await expect(page.getByTestId('replay-time')).toHaveText('7185.000 ms');

  const logs = page.getByRole('region', { name: 'Replica logs' });
  const n5 = logs.getByRole('group', { name: /^n5:/ });
  const flagged = n5.locator('[data-differs="true"]');
  await expect(flagged.first()).toBeVisible();
  await expect(n5.locator('[data-index="405"]')).toHaveAttribute('data-differs', 'true');
  await expect(n5.locator('[data-index="405"]')).toHaveAttribute('aria-label', 'n5 index 405: term 2, not committed, differs from what was committed here (term 1)');
  // The replicas n5 overwrote: index 405 replaced a committed term-1 entry.
  await expect(logs.getByRole('group', { name: /^n3:/ }).locator('[data-index="405"]')).toHaveAttribute('data-overwrote-committed', 'true');

  // Click the entry: its details say what it overwrote.
  await logs.getByRole('group', { name: /^n3:/ }).locator('[data-index="405"]').click();
  const details = page.getByRole('group', { name: 'Log entry details' });
  await expect(details).toContainText('n3 · index 405 · term 2');
  await expect(details).toContainText(/overwrote.*term 1: write .* proposed by n1/);
  await logs.scrollIntoViewIfNeeded();
  await shootSizes(page, 'figure8-replay-overwrite');

  // The moments sit on the scrubber itself, each named by its caption; clicking one seeks there.
  const marks = page.getByRole('group', { name: 'Moments on the scrubber' }).getByRole('button');
  expect(await marks.count()).toBeGreaterThanOrEqual(5);
  await expect(page.getByRole('button', { name: /^Moment \d+ at 7\.185 s: n5 overwrites index 405/ })).toBeVisible();
  await page.getByRole('button', { name: /^Moment 1 at / }).click();
  await expect(page.getByTestId('replay-time')).not.toHaveText('7185.000 ms');
  await expect(page.getByTestId('story-caption')).toContainText('moment 1 of');

  // Click a message in flight: the panel shows its fields from the trace's send line.
  await page.getByRole('button', { name: /^Next delivery/ }).click();
  const inFlight = page.getByRole('list', { name: 'Messages in flight' }).getByRole('button');
  await expect(inFlight.first()).toBeVisible({ timeout: 10_000 });
  await inFlight.first().click();
  const fields = page.getByTestId('replay-message-fields');
  await expect(fields).toBeVisible();
  await expect(fields).toContainText('term');
  await page.getByTestId('replay-message').scrollIntoViewIfNeeded();
  await shoot(page, 'figure8-replay-message-fields');
  expect(errors).toEqual([]);
});
