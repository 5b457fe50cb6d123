import { resolve } from 'node:path';
import { type Page, expect, test } from '@playwright/test';
import { screenshots, servedLab } from './servedLab';

// Issue 17: every screen at a projector's 1280×720 and at 1440×900, in the light and the dark theme,
// written to test-results/screens/ to be looked at. The spec also checks the layout promises the
// screenshots are for: nothing of a chart panel spills out of it, and the Lab's first screen at
// 1280×720 shows the cluster, the CP/AP switch and at least one chart.
const lab = servedLab();
const sizes = [
  { width: 1280, height: 720 },
  { width: 1440, height: 900 },
] as const;
const folder = resolve(screenshots, '..', 'screens');

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  const toggle = page.getByRole('button', { name: /^Switch to the (dark|light) theme$/ });
  if ((await toggle.getAttribute('aria-label')) === `Switch to the ${theme} theme`) await toggle.click();
}

/** Shoots the screen as it stands at both sizes and in both themes (the viewport, from the top). */
async function shootAll(page: Page, name: string): Promise<void> {
  for (const size of sizes) {
    await page.setViewportSize(size);
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(page, theme);
      await page.evaluate('window.scrollTo(0, 0)');
      await page.waitForTimeout(700);
      await page.screenshot({ path: resolve(folder, `${name}-${size.width}x${size.height}-${theme}.png`) });
    }
  }
  await setTheme(page, 'light');
}

/** Whether something is at least partly inside the viewport as it stands. */
async function onFirstScreen(page: Page, locator: ReturnType<Page['locator']>): Promise<boolean> {
  const box = await locator.first().boundingBox();
  const viewport = page.viewportSize();
  return box !== null && viewport !== null && box.y < viewport.height && box.y + box.height > 0 && box.x < viewport.width;
}

test('every screen at both sizes in both themes', async ({ page }) => {
  test.setTimeout(600_000);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(lab().url);
  await expect(page.getByRole('heading', { name: 'Experiments' })).toBeVisible();
  await expect.poll(() => page.getByRole('region', { name: 'Presets' }).getByRole('button', { name: /^Open / }).count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(10);
  await shootAll(page, '1-gallery');

  await page.getByRole('button', { name: 'Open Partition a 5-node Raft cluster in AP mode, stay available' }).click();
  await page.setViewportSize(sizes[0]);
  // Slowly, so the run is still going when the pause arrives on a loaded machine (the preset may ask for max).
  await page.getByRole('combobox', { name: 'Speed' }).selectOption('0.5');
  await page.getByRole('button', { name: 'Start the run' }).click();
  await expect.poll(async () => Number.parseFloat(await page.getByTestId('run-clock').innerText()), { timeout: 120_000 }).toBeGreaterThan(3.5);
  await page.getByRole('button', { name: 'Pause the run' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('paused');
  await page.getByRole('button', { name: 'Step the paused run 10 ms of simulated time' }).click();
  await page.evaluate('window.scrollTo(0, 0)');
  // The Lab's first screen at 1280×720: the cluster, the CP/AP switch and a chart.
  expect(await onFirstScreen(page, page.getByRole('region', { name: 'Cluster' }))).toBe(true);
  expect(await onFirstScreen(page, page.locator('.consistency-switch'))).toBe(true);
  expect(await onFirstScreen(page, page.locator('[data-chart]'))).toBe(true);
  await shootAll(page, '2-lab-paused');
  await page.getByRole('button', { name: 'Resume the run' }).click();
  await page.getByRole('combobox', { name: 'Speed' }).selectOption('max');
  await expect(page.getByTestId('run-status')).toHaveText('ended', { timeout: 120_000 });
  await shootAll(page, '3-lab-ended');

  await page.getByRole('button', { name: 'Results', exact: true }).click();
  await expect(page.getByTestId('checker-verdict')).toBeVisible({ timeout: 120_000 });
  await shootAll(page, '4-results');
  await page.getByRole('region', { name: 'Linearizability check' }).scrollIntoViewIfNeeded();
  await page.setViewportSize(sizes[0]);
  await page.screenshot({ path: resolve(folder, '4b-results-counterexample-1280x720-light.png') });
  for (const chart of await page.locator('[data-chart]').all()) {
    // No chart draws outside its panel.
    const overflow = await chart.evaluate((element) => element.scrollWidth - element.clientWidth);
    expect(overflow).toBeLessThanOrEqual(1);
  }

  await page.getByRole('region', { name: 'Linearizability check' }).getByRole('button', { name: /^Replay at operation/ }).first().click();
  await expect(page.getByRole('region', { name: 'Cluster at this instant' })).toBeVisible({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Next delivery' }).click();
  const message = page.getByRole('list', { name: 'Messages in flight' }).getByRole('button').first();
  if ((await message.count()) > 0) await message.click();
  await shootAll(page, '5-replay');

  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await page.getByRole('button', { name: 'Run on Raft, VR and Paxos' }).click();
  for (const protocol of ['raft', 'vr', 'paxos']) await expect(page.getByTestId(`compare-summary-${protocol}`)).toContainText('availability', { timeout: 180_000 });
  await shootAll(page, '6-compare');

  await page.getByRole('button', { name: 'Sweep', exact: true }).click();
  await page.getByRole('spinbutton', { name: 'Number of seeds' }).fill('2');
  await page.getByRole('button', { name: 'Start the sweep' }).click();
  await expect(page.getByTestId('sweep-status')).toHaveText('finished', { timeout: 120_000 });
  await shootAll(page, '7-sweep');

  await page.getByRole('button', { name: 'Swarm', exact: true }).click();
  await page.getByRole('combobox', { name: 'Protocol' }).selectOption('vr');
  await page.getByRole('checkbox', { name: 'Unsafe switch startViewWithOwnLog' }).check();
  await page.getByRole('spinbutton', { name: 'First seed' }).fill('1');
  await page.getByRole('spinbutton', { name: 'Number of seeds' }).fill('2');
  await page.getByRole('button', { name: 'Start the swarm' }).click();
  await expect(page.getByTestId('swarm-status')).toHaveText('finished', { timeout: 200_000 });
  await shootAll(page, '7b-swarm');

  await page.getByRole('button', { name: 'Guarantees', exact: true }).click();
  await expect(page.getByTestId('guarantees-empty')).toBeVisible();
  await shootAll(page, '7c-guarantees-empty');
  await page.getByRole('button', { name: 'none', exact: true }).click();
  for (const profile of ['etcd-serializable', 'zookeeper-reads', 'mongodb-w1-local']) await page.getByRole('checkbox', { name: `Profile ${profile}` }).check();
  await page.getByRole('spinbutton', { name: 'Seeds per profile and scenario' }).fill('1');
  await page.getByRole('button', { name: 'Run the guarantees table' }).click();
  await expect(page.getByTestId('guarantees-status')).toHaveText('finished', { timeout: 240_000 });
  await shootAll(page, '7d-guarantees-table');
  await page.getByRole('button', { name: 'Gallery', exact: true }).click();
  await expect(page.getByRole('region', { name: 'Recent runs' })).toBeVisible();
  await shootAll(page, '8-gallery-with-recent-runs');
  expect(errors).toEqual([]);
});
