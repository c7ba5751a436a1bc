import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { GIF, jpeg, pdf } from '../fixtures/scans.js';
import type { Harness } from '../engine/api/api-harness.js';
import { inPage, openUi, rowOf, SCREENSHOTS, useBrowserUi } from './browser-harness.js';

// The status window in every language it ships, and in the pseudo-locale
// en-XA (English with accents, 40 % longer, made from the English catalog):
// the same jobs, the browser's language choosing the words.

let browser: Browser;
let h: Harness;

useBrowserUi(
  {
    screenshots: SCREENSHOTS,
    hash: false,
    setUp: async ({ h }) => {
      await h.drop('report/Berlin trip [A2C40CEE415B43B2A0BE]/hotel-invoice.pdf', await pdf());
      await h.drop('empty-scan.pdf', '');
      await h.drop('scan-0042.gif', GIF);
      await h.drop('lunch-receipt.jpg', jpeg());
      await h.engine.whenIdle();
    },
  },
  (ui) => ({ browser, h } = ui),
);

/** What each language must show: the headline, a state, and the empty file's reason. */
const EXPECT: Record<string, { headline: string; failed: string; reason: string }> = {
  'en-XA': { headline: '[', failed: '[Fáíléd', reason: '[Thé fílé íš émptý.' },
  'de-DE': { headline: 'fehlgeschlagen', failed: 'Fehlgeschlagen', reason: 'Die Datei ist leer.' },
  'fr-FR': { headline: 'en échec', failed: 'Échec', reason: 'Le fichier est vide.' },
  'es-ES': { headline: 'con error', failed: 'Error', reason: 'El archivo está vacío.' },
  'ja-JP': { headline: '失敗', failed: '失敗', reason: 'ファイルが空です。' },
};

describe('the status window’s words', { timeout: 90_000 }, () => {
  it('says nothing about "in progress" under All when the scans could not be loaded', async () => {
    const open = await openUi(browser, h, '', undefined, {
      beforeLoad: async (page) => {
        await page.route('**/api/call/getJobs', (route) =>
          route.fulfill({ status: 500, contentType: 'application/json', body: '{}' }),
        );
      },
    });
    try {
      const { page } = open;
      await page.locator('.banner.error', { hasText: 'Could not load the scans' }).waitFor();
      expect(await page.locator('.segment.is-selected').textContent()).toContain('All');
      expect(await page.locator('main').textContent()).not.toContain('Nothing is in progress');
      await page.getByText('In progress', { exact: false }).first().click();
      await expect
        .poll(() => page.locator('.list-empty').textContent())
        .toContain('Nothing is in progress');
    } finally {
      await open.close();
    }
  });
});

describe('the status window in each language', { timeout: 90_000 }, () => {
  for (const [locale, want] of Object.entries(EXPECT)) {
    it(`${locale}: speaks the language, and no two texts of a row overlap`, async () => {
      const open = await openUi(browser, h, '', undefined, { locale });
      try {
        const { page } = open;
        const row = rowOf(page, 'empty-scan.pdf');
        await row.waitFor();
        await expect.poll(() => row.locator('.badge').textContent()).toContain(want.failed);
        expect(await row.locator('.job-detail').textContent()).toContain(want.reason);
        expect(await page.locator('.summary-title').textContent()).toContain(want.headline);
        expect(await page.evaluate(`document.documentElement.lang`)).toBe(
          locale === 'en-XA' ? 'en' : locale,
        );
        expect(await page.evaluate(inPage.rowOverlaps)).toEqual([]);
        await page.evaluate(inPage.scrollTop);
        const name = locale === 'en-XA' ? 'pseudo' : locale.slice(0, 2);
        await page.screenshot({ path: join(SCREENSHOTS, `status-${name}.png`) });
        expect(open.pageErrors).toEqual([]);
      } finally {
        await open.close();
      }
    });
  }
});

describe('the language setting', { timeout: 90_000 }, () => {
  it('overrides the browser’s language once saved on the Behaviour page', async () => {
    const open = await openUi(browser, h, '#settings/behaviour', undefined, { locale: 'en-GB' });
    try {
      const { page } = open;
      await page.getByLabel('Language').selectOption('de');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await expect
        .poll(() => page.locator('.save-state').textContent())
        .toContain('Einstellungen gespeichert.');
      expect(h.settingsStore.get().language).toBe('de');
      expect(await page.getByRole('tab', { name: 'Verhalten' }).count()).toBe(1);
      await page.getByRole('tab', { name: 'Status' }).click();
      await expect
        .poll(() => rowOf(page, 'empty-scan.pdf').locator('.job-detail').textContent())
        .toContain('Die Datei ist leer.');
      expect(await page.evaluate(`document.documentElement.lang`)).toBe('de');
      expect(open.pageErrors).toEqual([]);
    } finally {
      await open.close();
      await h.handlers.saveSettings({ ...h.settingsStore.get(), language: 'system' });
    }
  });
});
