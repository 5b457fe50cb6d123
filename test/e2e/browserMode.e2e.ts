import { expect, test } from '@playwright/test';
import { pageErrors, servedLab } from './servedLab';

// Issue 7: `caplab serve` refuses anyone without its per-launch token; with it, the UI loads in
// Debian's Chromium, lists the presets and starts a run.
const lab = servedLab();

test('without the token the page is 403', async ({ page, request }) => {
  expect((await request.get(`${lab().origin}/`)).status()).toBe(403);
  expect((await request.get(`${lab().origin}/?token=${'0'.repeat(48)}`)).status()).toBe(403);
  const response = await page.goto(`${lab().origin}/`);
  expect(response?.status()).toBe(403);
  await expect(page.locator('body')).toContainText('403');
});

test('with the token the UI loads, lists the presets and starts a run', async ({ page }) => {
  const errors = pageErrors(page);
  await page.goto(lab().url);
  await expect(page.getByRole('heading', { name: 'Experiments' })).toBeVisible();
  const presetButtons = page.getByRole('region', { name: 'Presets' }).getByRole('button', { name: /^Open / });
  await expect.poll(() => presetButtons.count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(10);
  await page.getByRole('button', { name: 'Open A healthy', exact: false }).first().click();
  await page.getByRole('button', { name: 'Start the run' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('running');
  await expect.poll(async () => Number.parseFloat(await page.getByTestId('run-clock').innerText()), { timeout: 20_000 }).toBeGreaterThan(0.5);
  await expect(page.locator('[data-role="leader"]')).toHaveCount(1, { timeout: 20_000 });
  await page.getByRole('button', { name: 'Stop the run' }).click();
  await expect(page.getByTestId('run-status')).toHaveText('ended', { timeout: 30_000 });
  expect(errors).toEqual([]);
});
