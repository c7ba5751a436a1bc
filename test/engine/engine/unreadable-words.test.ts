import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { english, translator } from '../../../main/engine/i18n/translate.js';
import { jpeg } from '../../fixtures/scans.js';
import { startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';

// A scan that cannot be read, and an entry's files that cannot be merged, are
// explained in the user's language in the .error.txt beside the file; the
// English, with the decoder's detail, stays in the ledger and the log.

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function errorFile(harness: EngineHarness, relPath: string): Promise<string> {
  await harness.engine.whenIdle();
  return readFile(join(harness.root, 'Failed', ...relPath.split('/')) + '.error.txt', 'utf8');
}

describe('unreadable images and failed merges in German', () => {
  it('an RLE-compressed BMP: a German .error.txt, English in the ledger', async () => {
    h = await startEngineHarness({ settings: { language: 'de' } });
    const rle = await readFile(join(import.meta.dirname, '../../fixtures/scan-8bit-rle.bmp'));
    await h.put('scan.bmp', rle);
    const job = await h.waitForJob('scan.bmp');
    expect(job.state).toBe('failed');
    expect(job.error?.reason).toContain('This BMP image is compressed (RLE)');
    const text = await errorFile(h, 'scan.bmp');
    expect(text).toContain(
      'Dieses BMP-Bild ist komprimiert (RLE), das kann Concur Drop nicht lesen. ' +
        'Speichern Sie den Scan stattdessen als JPEG, PNG, TIFF oder PDF.',
    );
    expect(text).not.toContain('This BMP image');
  });

  it('a merge that fails: German words naming the entry, the library’s detail only in English', async () => {
    h = await startEngineHarness({
      settings: { language: 'de' },
      engine: {
        merge: async () => {
          throw new Error('Failed to parse PDF document (line:0 col:0 offset=0)');
        },
      },
    });
    const dir = 'entry/Taxi [ENT42]';
    await h.put(`${dir}/a.jpg`, jpeg(3000, 1));
    await h.put(`${dir}/b.jpg`, jpeg(3100, 2));
    const job = await h.waitForJob(`${dir}/a.jpg`);
    expect(job.state).toBe('failed');
    expect(job.error?.reason).toContain('could not be merged into one PDF: Failed to parse PDF');
    expect(english.say(job.error!.text!)).toBe(
      'The files for entry Taxi [ENT42] could not be merged into one PDF.',
    );
    expect(translator('de').say(job.error!.text!)).toMatch(
      /^Die Dateien für .*ENT42.* konnten nicht zu einer PDF zusammengefügt werden\.$/,
    );
    const text = await errorFile(h, `${dir}/a.jpg`);
    expect(text).toContain('konnten nicht zu einer PDF zusammengefügt werden');
    expect(text).not.toContain('Failed to parse');
  });
});
