import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { fileSettingsStore } from '../../main/engine/settings/config-file.js';
import { GIF } from '../fixtures/scans.js';
import type { Harness } from '../engine/api/api-harness.js';
import { axeViolations, rowOf, type OpenUi, useBrowserUi } from './browser-harness.js';
import { layoutProblems, STATUS_ROWS } from './layout-check.js';

// `concur-drop watch --config office.json --ui-port N`, as an admin set it up:
// a relative folder, only the keys that differ from the defaults, their own layout.
let h: Harness;
let open: OpenUi;
let page: Page;
let configPath: string;
let written: string;

useBrowserUi(
  {
    hash: '#settings/behaviour',
    setUp: async ({ h }) => {
      configPath = join(h.dir, 'office.json');
      written =
        JSON.stringify(
          {
            concur: { baseUrl: h.sandbox.url },
            folders: [{ path: 'Scans' }],
            settleMs: 150,
            batchWindowMs: 300,
          },
          null,
          2,
        ) + '\n';
      await writeFile(configPath, written);
      return h.handlersWith({ settingsStore: fileSettingsStore(configPath) });
    },
    opened: (page) => page.context().grantPermissions(['clipboard-read', 'clipboard-write']),
  },
  (ui) => ({ h, open, page } = ui),
);

// Generous: a loaded 2-core CI machine runs Chromium, the engine and the sandbox at once.
describe('the browser view', { timeout: 60_000 }, () => {
  it('saves an edit into the config file and changes nothing else in it', async () => {
    await page.getByRole('heading', { level: 2, name: 'Behaviour' }).waitFor();
    await page.getByLabel('Uploads at the same time').fill('3');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.locator('.save-state').textContent()).toContain('Settings saved');
    const saved = await readFile(configPath, 'utf8');
    const before = JSON.parse(written);
    // The same file with one key more: the relative folder, the omitted defaults, no desktop keys.
    expect(JSON.parse(saved)).toEqual({ ...before, concurrency: 3 });
    expect(Object.keys(JSON.parse(saved))).toEqual([...Object.keys(before), 'concurrency']);
    // As a diff: one line gained a comma, one line is new.
    const lines = written.split('\n');
    const changed = saved.split('\n').filter((line) => !lines.includes(line));
    expect(changed).toEqual(['  "batchWindowMs": 300,', '  "concurrency": 3']);
    expect(await readFile(`${configPath}.bak`, 'utf8')).toBe(written);
  });

  it('answers Show in folder with the file’s path on the watching computer and a Copy button', async () => {
    await page.getByRole('tab', { name: 'Status' }).click();
    // Before the first scan: the conventions, readable on a small screen too.
    await page.setViewportSize({ width: 400, height: 900 });
    await page.locator('.empty h2').waitFor();
    expect(await layoutProblems(page, `${STATUS_ROWS}, .empty > *, .conventions tr`)).toEqual([]);
    await h.drop('scan-0042.gif', GIF);
    const row = rowOf(page, 'scan-0042.gif');
    await expect
      .poll(() => row.locator('.badge').textContent(), { timeout: 20_000 })
      .toContain('Failed');
    await expect
      .poll(async () => (await h.waitForJob('scan-0042.gif', (j) => !!j.finalPath)).finalPath)
      .toBeTruthy();
    const show = row.getByRole('button', { name: 'Show in folder: scan-0042.gif' });
    expect(await show.getAttribute('aria-expanded')).toBe('false');
    await show.click();
    const where = join(h.root, 'Failed', 'scan-0042.gif');
    await expect.poll(() => row.locator('.job-location code').textContent()).toBe(where);
    expect(await show.getAttribute('aria-expanded')).toBe('true');
    // Nothing was opened on the watching machine, where nobody may be looking.
    expect(h.revealed).toEqual([]);
    await row.getByRole('button', { name: 'Copy the path of scan-0042.gif' }).click();
    await expect.poll(() => page.evaluate<string>('navigator.clipboard.readText()')).toBe(where);
    expect(await row.locator('.job-location [role="status"]').textContent()).toBe('Copied');
    for (const width of [400, 1200]) {
      await page.setViewportSize({ width, height: 900 });
      expect(await layoutProblems(page, STATUS_ROWS)).toEqual([]);
    }
    expect(await axeViolations(page)).toEqual([]);
    expect(open.pageErrors).toEqual([]);
  });
});
