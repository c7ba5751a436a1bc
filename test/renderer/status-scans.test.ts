import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../main/engine/settings/schema.js';
import type { Harness } from '../engine/api/api-harness.js';
import { page as sheet, receipt, stackPdf, tiff } from '../fixtures/scan-formats.js';
import {
  axeViolations,
  inPage,
  rowOf,
  SCREENSHOTS,
  type OpenUi,
  useBrowserUi,
} from './browser-harness.js';

// The status window says what was done to a scan before it went: converted, split.
let h: Harness;
let open: OpenUi;

useBrowserUi(
  {
    screenshots: SCREENSHOTS,
    setUp: async ({ h }) =>
      h.engine.updateSettings(
        parseSettings({
          ...h.settingsStore.get(),
          folders: [{ path: h.root, split: 'separator' }],
        }),
      ),
  },
  (ui) => ({ h, open } = ui),
);

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
