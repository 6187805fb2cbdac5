/**
 * `npm start` serves the studio from Vite's dev server, which runs React's
 * development build: it reports misuse (an unmount during a render, a key
 * missing) as console errors that the production build used by the other
 * specs stays silent about. This opens the demo there, as the README's first
 * command does, and fails on any error until the page has settled.
 */
import { expect, test } from '@playwright/test';

import { UNTIL_DONE, watchErrors } from './helpers/studioPage';

test('npm start: the demo opens on the dev server, isolated, with no error in the console', async ({ page }) => {
  // The first load lets Vite discover and bundle the dependencies, which may reload the page once; the second is what a user sees.
  await page.goto('/');
  await expect(page.getByTestId('data-summary')).toContainText('10,000', UNTIL_DONE);
  const errors = watchErrors(page);
  const response = await page.reload();
  expect(response?.headers()['cross-origin-opener-policy']).toBe('same-origin');
  await expect(page.getByTestId('data-summary')).toContainText('10,000', UNTIL_DONE);
  await expect(page.getByTestId('backend')).toHaveText(/^(webgpu|webgl|wasm|cpu)$/, UNTIL_DONE);
  // The charts' warm-up (src/ui/charts/chartWarmUp.tsx) starts with the page, runs while it is idle and removes itself.
  await expect(page.locator('[data-chart-warm-up]')).toHaveCount(0, UNTIL_DONE);
  expect(errors, 'console errors, failed requests or uncaught exceptions on the page').toEqual([]);
});
