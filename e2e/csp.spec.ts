/**
 * The built app keeps its promise that nothing leaves the machine, and the
 * browser enforces it: the Content-Security-Policy comes with the page
 * (header and meta tag), the whole flow runs without one violation of it,
 * and no request goes anywhere but the page's own origin. A control shows
 * the policy bites: an inline script and a request elsewhere are refused.
 * On wasm, whose binaries need 'wasm-unsafe-eval'.
 */
import { expect, test, type Page } from '@playwright/test';

import { CSP_HEADER, CSP_META } from '../config/contentSecurityPolicy';
import { digitIdxFiles, dropFiles } from './helpers/droppedFiles';
import { candidateCount, openDemoOnWasm, recordLongTasks, smallBudget, trainAndScore, UNTIL_DONE, watchErrors } from './helpers/studioPage';

interface Watch {
  /** Violations the document reported (securitypolicyviolation events). */
  violations: () => Promise<string[]>;
  /** Console lines (page and worker) that mention the policy. */
  consoleLines: string[];
  /** Requests to anywhere but the page's origin (data: and blob: are the page's own). */
  elsewhere: string[];
}

async function watchPolicy(page: Page, origin: string): Promise<Watch> {
  await page.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (event) => w.__violations.push(`${event.effectiveDirective} ${event.blockedURI}`));
  });
  const consoleLines: string[] = [];
  const policyLine = (text: string): void => {
    if (/Content Security Policy/i.test(text)) consoleLines.push(text);
  };
  page.on('console', (msg) => policyLine(msg.text()));
  page.on('worker', (worker) => worker.on('console', (msg) => policyLine(`worker: ${msg.text()}`)));
  const elsewhere: string[] = [];
  page.context().on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith('data:') && !url.startsWith('blob:')) elsewhere.push(url);
  });
  return {
    violations: () => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations),
    consoleLines,
    elsewhere,
  };
}

test('the whole flow runs under the policy: no violation, no request outside the origin', async ({ page, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const errors = watchErrors(page);
  const watch = await watchPolicy(page, origin);
  await recordLongTasks(page);
  // One load only: a second one mid-start would abort the first page's requests.
  const response = await openDemoOnWasm(page);
  // The policy arrives both ways: as the server's header and in the built page.
  expect(response!.headers()['content-security-policy']).toBe(CSP_HEADER);
  expect(await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')).toBe(CSP_META);
  expect(CSP_HEADER).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(CSP_HEADER).toContain("connect-src 'self'");
  expect(CSP_HEADER).not.toContain('unsafe-inline');

  await dropFiles(page, await digitIdxFiles(30));
  await expect(page.getByTestId('data-count')).toHaveText('300', UNTIL_DONE);
  await smallBudget(page, 3);
  await trainAndScore(page);
  await page.getByTestId('search-run').click();
  await expect(page.getByTestId('search-status')).toContainText('search finished', UNTIL_DONE);
  expect(await candidateCount(page)).toBeGreaterThanOrEqual(3);
  await page.getByTestId('export').click();
  const links = page.getByTestId('downloads');
  await expect(links).toBeVisible(UNTIL_DONE);
  const [download] = await Promise.all([page.waitForEvent('download'), links.getByRole('link').first().click()]);
  expect(download.suggestedFilename()).toMatch(/\.(zip|json|bin|md)$/);
  await page.getByRole('button', { name: 'Run self-test' }).click();
  await expect(page.getByTestId('selftest-verdict')).toContainText('Self-test passed on wasm', UNTIL_DONE);

  expect(await watch.violations()).toEqual([]);
  expect(watch.consoleLines).toEqual([]);
  expect(watch.elsewhere).toEqual([]);
  expect(errors).toEqual([]);
});

test('the policy bites: an inline script and a request to another origin are refused', async ({ page, baseURL }) => {
  const watch = await watchPolicy(page, new URL(baseURL!).origin);
  await openDemoOnWasm(page);
  const outcome = await page.evaluate(async () => {
    const script = document.createElement('script');
    script.textContent = 'window.__inlineRan = true;';
    document.body.append(script);
    let fetched = 'fetched';
    try {
      await fetch('https://example.com/model.json');
    } catch (error) {
      fetched = (error as Error).name;
    }
    return { inlineRan: (window as unknown as { __inlineRan?: boolean }).__inlineRan === true, fetched };
  });
  expect(outcome).toEqual({ inlineRan: false, fetched: 'TypeError' });
  await expect.poll(watch.violations).toEqual(expect.arrayContaining([expect.stringMatching(/^script-src-elem inline/), 'connect-src https://example.com/model.json']));
  // A refused request never leaves the browser.
  expect(watch.elsewhere).toEqual([]);
});
