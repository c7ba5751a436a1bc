import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Harness } from '../engine/api/api-harness.js';
import {
  axeViolations,
  inPage,
  SCREENSHOTS,
  type OpenUi,
  useBrowserUi,
} from './browser-harness.js';

/** Settings in real Chromium when the organisation's policy holds some of them. */

let h: Harness;
let open: OpenUi;
let page: Page;

useBrowserUi(
  {
    screenshots: SCREENSHOTS,
    harness: {
      policy: (url, root) => ({
        file: '/etc/concur-drop/policy.json',
        presets: { concur: { baseUrl: url }, folders: [{ path: root }] },
        locked: ['concur.baseUrl', 'folders', 'afterUpload'],
      }),
    },
    hash: '#settings/account',
  },
  (ui) => ({ h, open, page } = ui),
);

describe('locked settings in Chromium', { timeout: 60_000 }, () => {
  it('shows the Concur address read-only, "Set by your organisation"', async () => {
    await page.getByRole('heading', { level: 2, name: 'Account' }).waitFor();
    const region = page.getByLabel('Concur data center');
    await expect.poll(() => region.isDisabled()).toBe(true);
    await expect.poll(() => region.inputValue()).toBe('custom');
    expect(await page.locator('.locked-note').first().textContent()).toContain(
      'Set by your organisation',
    );
    const address = page.getByLabel('Concur address (base URL)');
    expect(await address.inputValue()).toBe(h.sandbox.url);
    expect(await address.isEditable()).toBe(false);
    // The unlocked scheme next to it still changes.
    expect(await page.getByLabel(/Bearer/).isDisabled()).toBe(false);
    await page.evaluate(inPage.blur);
    await page.screenshot({ path: join(SCREENSHOTS, 'settings-locked.png') });
    expect(await axeViolations(page)).toEqual([]);
  });

  it('keeps the folders and what happens after upload read-only', async () => {
    await page.getByRole('tab', { name: 'Folders' }).click();
    await page.getByRole('heading', { level: 2, name: 'Folders' }).waitFor();
    expect(await page.getByLabel('Path').first().isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: /Add folder/ }).count()).toBe(0);
    await page.getByRole('tab', { name: 'Behaviour' }).click();
    await page.getByRole('heading', { level: 2, name: 'Behaviour' }).waitFor();
    expect(await page.getByLabel(/Leave it where it is/).isDisabled()).toBe(true);
    expect(await page.getByLabel('Uploads at the same time').isDisabled()).toBe(false);
    expect(await page.locator('.locked-note').textContent()).toContain('Set by your organisation');
    expect(open.pageErrors).toEqual([]);
  });
});
