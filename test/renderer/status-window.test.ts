import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { GIF, jpeg, pdf, png } from '../fixtures/scans.js';
import type { Harness } from '../engine/api/api-harness.js';
import {
  axeViolations,
  inPage,
  rowOf,
  SCREENSHOTS,
  type OpenUi,
  useBrowserUi,
} from './browser-harness.js';

// One engine, one page, used in order as a person would: first the empty
// window, then scans arriving, failing, retried, paused, and the full picture.
let h: Harness;
let open: OpenUi;
let page: Page;

useBrowserUi({ screenshots: SCREENSHOTS }, (ui) => ({ h, open, page } = ui));

const badge = (name: string) => rowOf(page, name).locator('.badge');

// Generous: a loaded 2-core CI machine runs Chromium, the engine and the sandbox at once.
describe('the status window in Chromium', { timeout: 60_000 }, () => {
  it('explains the folder conventions with the user’s own folder before the first scan', async () => {
    await expect.poll(() => page.locator('.empty h2').textContent()).toBe('No scans yet');
    const text = await page.locator('.empty').textContent();
    expect(text).toContain(`${h.root}/report/<name [REPORT ID]>/`);
    expect(text).toContain(`${h.root}/Uploaded`);
    // Nothing has happened yet: "All done" would claim work that never was.
    expect(await page.locator('.summary-title').textContent()).toContain('Ready for scans');
    expect(await page.locator('.summary-title').textContent()).not.toContain('All done');
    await page.screenshot({ path: join(SCREENSHOTS, 'empty-state.png') });
    expect(await axeViolations(page)).toEqual([]);
  });

  it('shows a dropped scan appear, then Uploaded with its Concur image id', async () => {
    await h.drop(
      'report/Berlin trip [A2C40CEE415B43B2A0BE]/hotel-invoice.pdf',
      await pdf({ pages: 2 }),
    );
    const row = rowOf(page, 'hotel-invoice.pdf');
    await row.waitFor();
    await expect
      .poll(() => row.locator('.badge').textContent(), { timeout: 20_000 })
      .toContain('Uploaded');
    const imageId = h.sandbox.received()[0].imageId;
    expect(await row.locator('.job-image code').textContent()).toBe(imageId);
    expect(await row.locator('.job-target').textContent()).toContain(
      'Report Berlin trip (A2C40CEE415B43B2A0BE)',
    );
    await expect
      .poll(() => page.locator('.summary-counts').textContent())
      .toContain('1 uploaded today');
  });

  it('shows why a scan failed in plain words, and Retry uploads it', async () => {
    // Two 500s use up both tries (the harness allows 2): failed, retryable.
    h.sandbox.inject({ status: 500 }, { status: 500 });
    await h.drop('lunch-receipt.jpg', jpeg());
    // A GIF cut short: GIFs are converted now, but this one cannot be read.
    await h.drop('scan-0042.gif', GIF.subarray(0, 20));
    await expect
      .poll(() => badge('lunch-receipt.jpg').textContent(), { timeout: 20_000 })
      .toContain('Failed');
    const reason = await rowOf(page, 'lunch-receipt.jpg').locator('.job-detail').textContent();
    expect(reason?.trim().length).toBeGreaterThan(5);
    // Converting is tried first (in a worker thread), then it fails.
    await expect
      .poll(() => badge('scan-0042.gif').textContent(), { timeout: 20_000 })
      .toContain('Failed');
    expect(await rowOf(page, 'scan-0042.gif').locator('.job-detail').textContent()).toMatch(/GIF/i);

    await page.getByRole('radio', { name: /Failed/ }).check();
    await expect.poll(() => page.locator('li.job').count()).toBe(2);
    await page.getByRole('button', { name: 'Retry lunch-receipt.jpg' }).click();
    await page.getByRole('radio', { name: /All/ }).check();
    await expect
      .poll(() => badge('lunch-receipt.jpg').textContent(), { timeout: 20_000 })
      .toContain('Uploaded');
    expect(h.sandbox.received().map((r) => r.size)).toContain(jpeg().length);
  });

  it('pauses and resumes uploads', async () => {
    await page.getByRole('button', { name: 'Pause uploads' }).click();
    await expect.poll(() => page.locator('.summary-title').textContent()).toContain('Paused');
    const before = h.sandbox.received().length;
    await h.drop('parking-ticket.png', png());
    await rowOf(page, 'parking-ticket.png').waitFor();
    await new Promise((r) => setTimeout(r, 1200)); // well past settleMs: it would have gone by now
    expect(await badge('parking-ticket.png').textContent()).not.toContain('Uploaded');
    expect(h.sandbox.received()).toHaveLength(before);

    await page.getByRole('button', { name: 'Resume uploads' }).click();
    await expect
      .poll(() => badge('parking-ticket.png').textContent(), { timeout: 20_000 })
      .toContain('Uploaded');
    expect(await page.locator('.summary-title').textContent()).not.toContain('Paused');
  });

  it('is usable by keyboard alone: filters, actions and rows are reachable with Tab', async () => {
    await page.locator('body').focus();
    await page.evaluate(inPage.blur);
    const reached: string[] = [];
    for (let i = 0; i < 24; i++) {
      await page.keyboard.press('Tab');
      reached.push(await page.evaluate<string>(inPage.focused));
    }
    expect(reached).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^tab:Status/),
        expect.stringMatching(/Retry all failed/),
        expect.stringMatching(/Pause uploads/),
        'input:',
        expect.stringMatching(/^button:Show in folder: /),
      ]),
    );
    // A GIF would fail the same way again: it offers Show in folder, not Retry.
    expect(reached).not.toContain('button:Retry scan-0042.gif');
    // The filters move with the arrow keys, as a radio group does.
    await page.getByRole('radio', { name: /All/ }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('radio', { name: /In progress/ }).isChecked()).toBe(true);
    await page.keyboard.press('ArrowLeft');
    expect(await page.getByRole('radio', { name: /All/ }).isChecked()).toBe(true);
  });

  it('shows uploaded, uploading and failed rows together (screenshot), with no serious accessibility issue', async () => {
    await h.drop('taxi-airport.jpg', jpeg(40_000));
    await expect
      .poll(() => badge('taxi-airport.jpg').textContent(), { timeout: 20_000 })
      .toContain('Uploaded');
    // The sandbox holds its next answer, so this one stays "uploading" for the picture.
    h.sandbox.inject({ delayMs: 8_000 });
    await h.drop('entry/Client dinner [E7F3A9C2]/dinner.png', png(400, 300, true));
    await expect
      .poll(() => badge('dinner.png').textContent(), { timeout: 20_000 })
      .toContain('Uploading');
    const progress = rowOf(page, 'dinner.png').getByRole('progressbar');
    expect(await progress.getAttribute('aria-valuenow')).toMatch(/^\d+$/);
    expect(await progress.getAttribute('aria-label')).toBe('Upload progress of dinner.png');
    await page.evaluate(inPage.blur);
    await page.mouse.move(600, 740); // no hover left on a button from earlier clicks
    await page.waitForTimeout(400); // let the progress bar's transition settle for the picture
    await page.screenshot({ path: join(SCREENSHOTS, 'status.png') });
    expect(await axeViolations(page)).toEqual([]);
    expect(open.pageErrors).toEqual([]);
  });
});
