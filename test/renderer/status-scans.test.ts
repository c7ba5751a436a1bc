import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSettings } from '../../main/engine/settings/schema.js';
import { startHarness, type Harness } from '../engine/api/api-harness.js';
import { page as sheet, receipt, stackPdf, tiff } from '../fixtures/scan-formats.js';
import {
  axeViolations,
  ensureRendererBuilt,
  inPage,
  launchChromium,
  openUi,
  rowOf,
  SCREENSHOTS,
  type OpenUi,
} from './browser-harness.js';

// The status window says what was done to a scan before it went: converted, split.
let browser: Browser;
let h: Harness;
let open: OpenUi;

beforeAll(async () => {
  await ensureRendererBuilt();
  await mkdir(SCREENSHOTS, { recursive: true });
  [browser, h] = await Promise.all([launchChromium(), startHarness()]);
  await h.engine.updateSettings(
    parseSettings({
      ...h.settingsStore.get(),
      folders: [{ path: h.root, split: 'separator' }],
    }),
  );
  open = await openUi(browser, h);
}, 120_000);
afterAll(async () => {
  await open?.close();
  await browser?.close();
  await h?.close();
});

describe('the status window with converted and split scans', { timeout: 90_000 }, () => {
  it('shows "converted from TIFF (3 pages)" and "split into 3 receipts" on uploaded rows (screenshot)', async () => {
    const { page } = open;
    const pages = await Promise.all([1, 2, 3].map((n) => receipt(n)));
    await h.drop('fax-0007.tif', await tiff(pages, { g4: true }));
    const blank = () => sheet({ paper: 246, noise: 6 });
    await h.drop(
      'receipts-stack.pdf',
      await stackPdf([pages[0], await blank(), pages[1], await blank(), pages[2]]),
    );
    const detail = (name: string) => rowOf(page, name).locator('.job-detail').textContent();
    await expect
      .poll(() => rowOf(page, 'fax-0007.tif').locator('.badge').textContent(), { timeout: 40_000 })
      .toContain('Uploaded');
    await expect
      .poll(() => rowOf(page, 'receipts-stack.pdf').locator('.badge').textContent(), {
        timeout: 40_000,
      })
      .toContain('Uploaded');
    expect(await detail('fax-0007.tif')).toContain('converted from TIFF (3 pages)');
    expect(await detail('receipts-stack.pdf')).toContain('split into 3 receipts');
    expect(h.sandbox.received()).toHaveLength(4);
    await page.evaluate(inPage.blur);
    await page.screenshot({ path: join(SCREENSHOTS, 'status-scans.png') });
    expect(await axeViolations(page)).toEqual([]);
    expect(open.pageErrors).toEqual([]);
  });
});
