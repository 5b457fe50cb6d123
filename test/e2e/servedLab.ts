import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Page, test } from '@playwright/test';
import { browserSkipReason } from './chromium';
import { type ServeCommand, startServe } from './server';

/** Where the browser tests keep their screenshots (test artifacts, looked at by people). */
export const screenshots = resolve(__dirname, '..', '..', 'test-results', 'screenshots');

/** Saves a screenshot of the page's viewport as `<name>.png` among the test artifacts. */
export const shoot = (page: Page, name: string) => page.screenshot({ path: resolve(screenshots, `${name}.png`), fullPage: false });

/**
 * What every browser spec needs: skipped (saying how to get a browser) where none is installed,
 * `caplab serve` started before the spec's tests and stopped after them (the repository's, or the
 * command `how` gives, called then). Returns where the lab
 * serves once it does: `url` carries the per-launch token, `origin` does not.
 */
export function servedLab(how?: () => ServeCommand): () => { readonly url: string; readonly origin: string } {
  const skip = browserSkipReason();
  test.skip(skip !== null, skip ?? '');
  let served: Awaited<ReturnType<typeof startServe>> | undefined;
  test.beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    served = await startServe(how?.());
  });
  test.afterAll(async () => {
    await served?.stop();
  });
  return () => {
    if (served === undefined) throw new Error('the lab is not serving yet');
    return served;
  };
}

/**
 * The page's uncaught errors and console errors from now on (a missing favicon aside), for a spec
 * to expect empty at its end: a screen that works only because nobody read the console is not done.
 */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().includes('favicon')) errors.push(message.text());
  });
  return errors;
}
