import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger, ledgerDir } from '../../main/engine/ledger/ledger.js';
import type { Job } from '../../main/engine/types.js';
import { startHarness, type Harness } from '../engine/api/api-harness.js';
import {
  ensureRendererBuilt,
  inPage,
  launchChromium,
  openUi,
  rowOf,
  SCREENSHOTS,
  type OpenUi,
} from './browser-harness.js';
import { layoutProblems, STATUS_ROWS } from './layout-check.js';

/** The widths a person meets: the browser view on a phone-sized window, the app's minimum, a half screen, a full one. */
const WIDTHS = [400, 640, 820, 1200] as const;
/** Every width's picture, kept out of the checkout (the README's own are taken below). */
const WIDTH_SHOTS = join(SCREENSHOTS, 'widths');

const REPORT_ID = 'A2C40CEE415B43B2A0BE';
const LONG_REASON =
  'The PDF is password protected, so Concur cannot open it. Save it again without a password (in the scanner software or with “Print to PDF”) and drop it into the folder again.';

/** Finished jobs of every kind, with the long names, ids and reasons real offices produce. */
function history(root: string): Job[] {
  const now = Date.now();
  let at = now - 60 * 60_000;
  const job = (fields: Partial<Job> & Pick<Job, 'relPath' | 'state' | 'target'>): Job => {
    at += 60_000;
    const name = fields.relPath.split('/').pop()!;
    return {
      id: `layout-${name}`,
      root,
      name,
      attempts: 1,
      size: 48_000,
      createdAt: at,
      updatedAt: at + 2000,
      finishedAt: at + 2000,
      ...fields,
    };
  };
  return [
    job({
      relPath: `report/Berlin trip [${REPORT_ID}]/hotel-invoice-2026-11-28.pdf`,
      state: 'uploaded',
      target: { kind: 'report', id: REPORT_ID, label: 'Berlin trip' },
      imageId: '1C8B5F3E2A9D4B7C8E6F0A1B2C3D4E5F',
    }),
    job({
      relPath: 'invoice/Office supplies Q4 Müller & Söhne [INV-2026-000123-DE]/delivery-note.pdf',
      state: 'uploaded',
      target: {
        kind: 'invoice',
        id: 'INV-2026-000123-DE',
        label: 'Office supplies Q4 Müller & Söhne',
      },
      imageId: 'F0E1D2C3B4A5968778695A4B3C2D1E0F',
    }),
    job({
      relPath: 'parking-ticket.png',
      state: 'duplicate',
      target: { kind: 'receipt' },
      imageId: '9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D',
    }),
    job({
      relPath: 'lunch-receipt-with-a-rather-long-file-name-from-the-scanner-0042.jpg',
      state: 'failed',
      target: { kind: 'receipt' },
      attempts: 8,
      error: {
        reason:
          'Concur could not be reached after 8 tries (the connection was refused). Press Retry when the network is back.',
        retryable: true,
      },
    }),
    job({
      relPath: 'entry/Taxi to the airport [E7F3A9C2B1D04F5A8C6E]/scan_2.pdf',
      state: 'failed',
      target: { kind: 'entry', id: 'E7F3A9C2B1D04F5A8C6E', label: 'Taxi to the airport' },
      error: { reason: LONG_REASON, retryable: false },
    }),
  ];
}

let browser: Browser;
let h: Harness;
let open: OpenUi;
let page: Page;

beforeAll(async () => {
  await ensureRendererBuilt();
  await mkdir(WIDTH_SHOTS, { recursive: true });
  [browser, h] = await Promise.all([
    launchChromium(),
    startHarness({
      beforeStart: async ({ dataDir, root }) => {
        const ledger = await Ledger.open(ledgerDir(dataDir));
        for (const job of history(root)) await ledger.put(job);
        await ledger.close();
      },
    }),
  ]);
  open = await openUi(browser, h);
  page = open.page;
  await rowOf(page, 'scan_2.pdf').waitFor();
}, 120_000);
afterAll(async () => {
  await open?.close();
  await browser?.close();
  await h?.close();
});

async function atWidth(width: number, height = 900): Promise<void> {
  await page.setViewportSize({ width, height });
  await page.evaluate(inPage.nextFrame);
  await page.evaluate(inPage.scrollTop);
}

// Generous: a loaded 2-core CI machine runs Chromium, the engine and the sandbox at once.
describe('the status window at every width', { timeout: 60_000 }, () => {
  it.each(WIDTHS)(
    'keeps every row readable at %i px: nothing overlaps or is cut off',
    async (width) => {
      // Tall enough that every row is laid out (rows off screen skip layout).
      await atWidth(width, 1600);
      expect(await layoutProblems(page, STATUS_ROWS)).toEqual([]);
      // An image id is never a label without its value.
      for (const row of await page.locator('li.job .job-image').all()) {
        if (!(await row.locator('.field-label').count())) continue;
        expect((await row.locator('code').boundingBox())?.width).toBeGreaterThan(40);
      }
      await atWidth(width);
      await page.screenshot({ path: join(WIDTH_SHOTS, `status-${width}.png`) });
      // The README's narrow picture: the browser view on a small screen.
      if (width === 400) await page.screenshot({ path: join(SCREENSHOTS, 'status-narrow.png') });
    },
  );

  it('gives a failure’s reason the room of the row instead of a narrow column', async () => {
    await atWidth(1200);
    const row = rowOf(page, 'scan_2.pdf');
    const reason = (await row.locator('.job-detail').boundingBox())!;
    const whole = (await row.boundingBox())!;
    // Half the row at least: before, the reason wrapped in about a third while the image column stood empty.
    expect(reason.width).toBeGreaterThan(whole.width / 2);
  });

  it('shows a destination in full, on hover and in the row’s details', async () => {
    await atWidth(640);
    const row = rowOf(page, 'delivery-note.pdf');
    const full = `Invoice Office supplies Q4 Müller & Söhne (INV-2026-000123-DE)`;
    expect(await row.locator('.job-target').getAttribute('title')).toBe(full);
    await row.getByText('Details').click();
    const details = row.locator('.job-details');
    await expect.poll(() => details.textContent()).toContain(full);
    expect(await details.textContent()).toContain(
      join(h.root, 'invoice/Office supplies Q4 Müller & Söhne [INV-2026-000123-DE]'),
    );
    expect(await layoutProblems(page, STATUS_ROWS)).toEqual([]);
    await page.screenshot({ path: join(WIDTH_SHOTS, 'status-640-details.png') });
    await row.getByText('Details').click();
    expect(open.pageErrors).toEqual([]);
  });
});
