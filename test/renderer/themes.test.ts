import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Harness } from '../engine/api/api-harness.js';
import {
  axeViolations,
  inPage,
  openUi,
  rowOf,
  SCREENSHOTS,
  screenshotsDir,
  type OpenUi,
  useBrowserUi,
} from './browser-harness.js';
import { writeHistory } from './history-fixture.js';

/** Pictures for checking by eye, never the README's: always under the temp folder. */
const WIDTH_SHOTS = join(screenshotsDir({}), 'widths');

let browser: Browser;
let h: Harness;
let open: OpenUi;
let page: Page;

useBrowserUi(
  {
    screenshots: WIDTH_SHOTS,
    harness: { beforeStart: ({ dataDir, root }) => writeHistory(dataDir, root) },
    opened: (page) => rowOf(page, 'scan_2.pdf').waitFor(),
  },
  (ui) => ({ browser, h, open, page } = ui),
);

// Written as expressions: the Node typecheck has no DOM types.
const pageBackground = `getComputedStyle(document.body).backgroundColor`;
const colourOf = (selector: string) =>
  `getComputedStyle(document.querySelector(${JSON.stringify(selector)})).color`;

/** Relative luminance of an "rgb(r, g, b)" colour, 0 (black) to 1 (white). */
function luminance(css: string): number {
  const [r, g, b] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** The hue of an "rgb(r, g, b)" colour in degrees: amber is about 30–50, green about 120–150. */
function hue(css: string): number {
  const [r, g, b] = (css.match(/[\d.]+/g) ?? []).slice(0, 3).map((c) => Number(c) / 255);
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  if (d === 0) return 0;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

async function settingsPage(tab: 'Account' | 'Folders' | 'Behaviour'): Promise<void> {
  await page.getByRole('tab', { name: 'Settings' }).click();
  await page.getByRole('tab', { name: tab }).click();
  await page.getByRole('heading', { level: 2, name: tab }).waitFor();
}

async function statusPage(): Promise<void> {
  await page.getByRole('tab', { name: 'Status' }).click();
  await rowOf(page, 'scan_2.pdf').waitFor();
  await page.evaluate(inPage.scrollTop);
}

// Generous: a loaded 2-core CI machine runs Chromium, the engine and the sandbox at once.
describe('light and dark colours', { timeout: 60_000 }, () => {
  it.each(['light', 'dark'] as const)(
    'follows the OS in %s and passes axe there, contrast included, on every page',
    async (scheme) => {
      await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
      await statusPage();
      const bg = luminance(await page.evaluate<string>(pageBackground));
      if (scheme === 'dark') expect(bg).toBeLessThan(0.05);
      else expect(bg).toBeGreaterThan(0.8);
      // The two scan_2.pdf rows' reason: red in both, readable on its surface (axe checks the ratio).
      expect(hue(await page.evaluate<string>(colourOf('.job-detail.is-error')))).toBeLessThan(15);
      expect(await axeViolations(page)).toEqual([]);
      await page.mouse.move(5, 700);
      await page.screenshot({
        path:
          scheme === 'dark'
            ? join(SCREENSHOTS, 'status-dark.png')
            : join(WIDTH_SHOTS, 'status-light.png'),
      });
      for (const tab of ['Account', 'Folders', 'Behaviour'] as const) {
        await settingsPage(tab);
        expect(await axeViolations(page), `Settings › ${tab}`).toEqual([]);
      }
      await statusPage();
    },
  );

  it('keeps light or dark as set in Behaviour, whatever the OS says, and follows it again on "Same as the system"', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    await settingsPage('Behaviour');
    await page.getByRole('radio', { name: 'Dark' }).check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => h.settingsStore.get().theme).toBe('dark');
    await expect
      .poll(async () => luminance(await page.evaluate<string>(pageBackground)))
      .toBeLessThan(0.05);
    expect(await axeViolations(page)).toEqual([]);

    // A reload reads the setting again.
    await page.reload();
    await statusPage();
    expect(luminance(await page.evaluate<string>(pageBackground))).toBeLessThan(0.05);

    await settingsPage('Behaviour');
    await page.getByRole('radio', { name: 'Same as the system' }).check();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect
      .poll(async () => luminance(await page.evaluate<string>(pageBackground)))
      .toBeGreaterThan(0.8);
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(luminance(await page.evaluate<string>(pageBackground))).toBeLessThan(0.05);
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it.each(['light', 'dark'] as const)(
    'shows in amber, never green, that the environment’s token wins over a saved one (%s)',
    async (scheme) => {
      // The machine has CONCUR_DROP_TOKEN set: the engine uploads with that one.
      const envToken = open.ui.token.slice(0, 4) + '-token-from-the-environment';
      const withEnv = await openUi(
        browser,
        h,
        '#settings/account',
        h.handlersWith({ getToken: async () => envToken }),
      );
      try {
        const p = withEnv.page;
        await p.emulateMedia({ colorScheme: scheme });
        await p.getByRole('heading', { level: 2, name: 'Account' }).waitFor();
        await p.getByLabel(/Token|Replace the token/).fill('a-new-token-for-the-keychain');
        await p.getByRole('button', { name: 'Save token' }).click();
        const result = p.locator('.result[role="status"]');
        await expect.poll(() => result.textContent()).toContain('CONCUR_DROP_TOKEN');
        const colour = await p.evaluate<string>(colourOf('.result[role="status"]'));
        expect(hue(colour)).toBeGreaterThan(25);
        expect(hue(colour)).toBeLessThan(60);
        expect(await axeViolations(p)).toEqual([]);
        expect(withEnv.pageErrors).toEqual([]);
      } finally {
        await withEnv.close();
      }
    },
  );
});
