import { mkdirSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { translator } from '../../../main/engine/i18n/translate.js';
import { pdf } from '../../fixtures/scans.js';
import { startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';

// A scan that turns into something else before it settles (a shortcut, a
// folder) is refused with a reason each host says in its own language.

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const de = translator('de');

describe('a file that became a link or a folder', { timeout: 30_000 }, () => {
  for (const [what, replace, key, german] of [
    [
      'a shortcut',
      (path: string, other: string) => symlinkSync(other, path),
      'fixed.symlink',
      'symbolischer Link',
    ],
    ['a folder', (path: string) => mkdirSync(path), 'skipped.folder', 'Dies ist ein Ordner'],
  ] as const) {
    it(`is refused as ${what}, in German words when asked`, async () => {
      h = await startEngineHarness({ settings: { settleMs: 1500 } });
      const other = await h.put('kept/other.bin', 'x');
      const path = await h.put('scan.pdf', await pdf());
      await h.waitForJob('scan.pdf', (j) => j.state === 'waiting');
      unlinkSync(path);
      replace(path, join(other));
      const job = await h.waitForJob('scan.pdf', (j) => j.state === 'failed');
      expect(job.error?.text).toMatchObject({ key });
      const words = de.words(job.error?.text, job.error!.reason);
      expect(words).toContain(german);
      expect(words).not.toMatch(/This is|skipped/);
    });
  }
});
