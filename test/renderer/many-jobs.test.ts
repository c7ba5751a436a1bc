import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger, ledgerDir } from '../../main/engine/ledger/ledger.js';
import type { Job } from '../../main/engine/types.js';
import type { Harness } from '../engine/api/api-harness.js';
import { inPage, openUi, type OpenUi, useBrowserUi } from './browser-harness.js';

const JOBS = 5000;

/** Upload history written through the real ledger, as months of use would leave it. */
async function writeHistory(dataDir: string, root: string): Promise<void> {
  const ledger = await Ledger.open(ledgerDir(dataDir));
  const now = Date.now();
  const jobs: Job[] = Array.from({ length: JOBS }, (_, i) => {
    const failed = i % 50 === 7;
    const relPath = `receipt-${String(i).padStart(5, '0')}.pdf`;
    const at = now - (i + 1) * 60_000;
    return {
      id: `history-${i}`,
      root,
      relPath,
      name: relPath,
      target: { kind: 'receipt' },
      state: failed ? 'failed' : 'uploaded',
      attempts: 1,
      size: 48_000,
      createdAt: at,
      updatedAt: at + 2000,
      finishedAt: at + 2000,
      finalPath: join(root, failed ? 'Failed' : 'Uploaded', relPath),
      ...(failed
        ? {
            error: {
              reason: 'The PDF is password protected; Concur cannot open it.',
              retryable: false,
            },
          }
        : { imageId: `IMG${i}` }),
    };
  });
  await Promise.all(jobs.map((job) => ledger.put(job)));
  await ledger.close();
}

let browser: Browser;
let h: Harness;
let open: OpenUi | null = null;

useBrowserUi(
  {
    hash: false,
    // The engine lists 1,000 finished jobs by default; the list must cope with far more.
    harness: { beforeStart: ({ dataDir, root }) => writeHistory(dataDir, root), historyKept: JOBS },
  },
  (ui) => ({ browser, h } = ui),
);
// The suite's own window, closed before the browser.
afterAll(() => open?.close());

// Generous: a loaded 2-core CI machine runs Chromium, the engine and the sandbox at once.
describe('a long upload history', { timeout: 60_000 }, () => {
  it('shows 5,000 jobs without freezing: the newest at once, the rest as the list is scrolled', async () => {
    expect(h.engine.jobs('all', 100_000)).toHaveLength(JOBS);
    const started = Date.now();
    open = await openUi(browser, h);
    const { page } = open;
    await page.locator('li.job').first().waitFor();
    const firstPaintMs = Date.now() - started;
    console.log(`5,000 jobs: first rows ${firstPaintMs} ms after opening the page`);
    // Very generous on purpose: a slow shared machine, yet rendering all 5,000 rows at once would not fit.
    expect(firstPaintMs).toBeLessThan(15_000);

    expect(await page.locator('li.job .job-name').first().textContent()).toBe('receipt-00000.pdf');
    const rendered = await page.locator('li.job').count();
    expect(rendered).toBeLessThanOrEqual(400);
    expect(await page.getByRole('radio', { name: /All/ }).locator('..').textContent()).toContain(
      '5000',
    );

    // The page answers while holding 5,000 jobs: a round trip through its event loop is quick.
    const t = Date.now();
    await page.evaluate(inPage.nextFrame);
    expect(Date.now() - t).toBeLessThan(2000);

    // Scrolling to the end renders more; the "Show more" button does the same by keyboard.
    await page.locator('.list-sentinel').scrollIntoViewIfNeeded();
    await expect.poll(() => page.locator('li.job').count()).toBeGreaterThan(rendered);
    const afterScroll = await page.locator('li.job').count();
    await page.getByRole('button', { name: /^Show \d+ more/ }).click();
    await expect.poll(() => page.locator('li.job').count()).toBeGreaterThan(afterScroll);

    await page.getByRole('radio', { name: /Failed/ }).check();
    await expect.poll(() => page.locator('li.job').count()).toBe(JOBS / 50);
    expect(open.pageErrors).toEqual([]);
  });

  it('brings a job far down the list into view and highlights it (a notification was clicked)', async () => {
    const { page } = open!;
    // What the app shell does on the `focusJob` event (only the desktop app sends it).
    await page.evaluate(`document.querySelector('cd-status').focusJob('history-4321')`);
    const row = page.locator('li.job[data-job-id="history-4321"]');
    await expect.poll(() => row.getAttribute('class')).toContain('is-highlighted');
    expect(await row.isVisible()).toBe(true);
    expect(await page.getByRole('radio', { name: /All/ }).isChecked()).toBe(true);
    await expect.poll(() => page.evaluate(inPage.focusedJobId)).toBe('history-4321');
  });
});
