import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { encryptedPdf, jpeg } from '../fixtures/scans.js';
import type { Harness } from '../engine/api/api-harness.js';
import { rowOf, useBrowserUi } from './browser-harness.js';

let h: Harness;
let page: Page;

useBrowserUi({}, (ui) => ({ h, page } = ui));

const DIR = 'entry/Taxi [ENT7]';

describe('an entry batch with one bad scan, in the status window', { timeout: 60_000 }, () => {
  it('shows what the other scans wait for, offers no Retry that cannot help, and uploads them without it', async () => {
    await h.drop(`${DIR}/scan_1.jpg`, jpeg(3000, 1));
    await h.drop(`${DIR}/scan_2.pdf`, await encryptedPdf());
    await h.drop(`${DIR}/scan_3.jpg`, jpeg(3100, 2));
    const waiting = 'waiting for scan_2.pdf (password protected)';
    await expect
      .poll(() => rowOf(page, 'scan_3.jpg').locator('.job-detail').textContent(), {
        timeout: 20_000,
      })
      .toContain(waiting);
    expect(await rowOf(page, 'scan_1.jpg').locator('.job-detail').textContent()).toContain(waiting);

    const bad = rowOf(page, 'scan_2.pdf');
    expect(await bad.locator('.badge').textContent()).toContain('Failed');
    expect(await bad.locator('.job-hint').textContent()).toContain('drop the fixed file');
    // Another try would fail the same way: no Retry, here or in "Retry all failed".
    expect(await bad.getByRole('button', { name: /^Retry/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Retry all failed/ }).isDisabled()).toBe(true);
    expect(h.sandbox.received()).toHaveLength(0);

    await bad.getByRole('button', { name: 'Upload the other files without scan_2.pdf' }).click();
    await expect
      .poll(() => rowOf(page, 'scan_1.jpg').locator('.badge').textContent(), { timeout: 20_000 })
      .toContain('Uploaded');
    expect(h.sandbox.received()).toHaveLength(1);
    expect(h.sandbox.received()[0]).toMatchObject({ kind: 'entry', id: 'ENT7', pdfPages: 2 });
    await expect.poll(() => bad.getByRole('button', { name: /without/ }).count()).toBe(0);
  });
});
