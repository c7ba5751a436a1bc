import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Harness } from '../engine/api/api-harness.js';
import {
  inPage,
  rowOf,
  SCREENSHOTS,
  screenshotsDir,
  type OpenUi,
  useBrowserUi,
} from './browser-harness.js';
import { writeHistory } from './history-fixture.js';
import { layoutProblems, SETTINGS_ROWS, STATUS_ROWS } from './layout-check.js';

/** The widths a person meets: the browser view on a phone-sized window, the app's minimum, a half screen, a full one. */
const WIDTHS = [400, 640, 820, 1200] as const;
/** Every width's picture, kept out of the checkout (the README's own are taken below). */
const WIDTH_SHOTS = join(screenshotsDir({}), 'widths');

let h: Harness;
let open: OpenUi;
let page: Page;

useBrowserUi(
  {
    screenshots: WIDTH_SHOTS,
    harness: { beforeStart: ({ dataDir, root }) => writeHistory(dataDir, root) },
    opened: (page) => rowOf(page, 'scan_2.pdf').waitFor(),
  },
  (ui) => ({ h, open, page } = ui),
);

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

  it.each([400, 640])('keeps the settings pages whole at %i px', async (width) => {
    await atWidth(width, 1600);
    for (const tab of ['Account', 'Folders', 'Behaviour'] as const) {
      await page.getByRole('tab', { name: 'Settings' }).click();
      await page.getByRole('tab', { name: tab }).click();
      await page.getByRole('heading', { level: 2, name: tab }).waitFor();
      if (tab === 'Folders')
        await page
          .getByRole('button', { name: /Add route/ })
          .first()
          .click();
      expect(await layoutProblems(page, SETTINGS_ROWS), tab).toEqual([]);
      await page.screenshot({
        path: join(WIDTH_SHOTS, `settings-${tab.toLowerCase()}-${width}.png`),
      });
    }
    await page
      .getByRole('button', { name: 'Revert' })
      .click()
      .catch(() => undefined);
    await page.getByRole('tab', { name: 'Status' }).click();
  });

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
