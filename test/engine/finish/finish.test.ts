import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { link, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { english, msg, reasonOf, translator } from '../../../main/engine/i18n/translate.js';
import {
  finishFailed,
  finishUploaded,
  formatFailureReport,
  freePath,
  moveFile,
  restoreFromFailed,
} from '../../../main/engine/finish/finish.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

// /dev/shm is a tmpfs here, a different file system from the temp dir: rename fails with EXDEV there.
const crossDevice = existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(tmpdir()).dev;
if (!crossDevice)
  console.warn('Skipping the cross-device move test: no second file system at /dev/shm.');

let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ path: root, cleanup } = await makeTempDir('concur-drop-finish-'));
});
afterEach(() => cleanup());

async function put(rel: string, text = rel): Promise<void> {
  const path = join(root, ...rel.split('/'));
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
}

describe('finishing files', () => {
  it('moves an uploaded scan to Uploaded/ at the same relative path, creating folders', async () => {
    await put('report/Trip [R1]/hotel.pdf');
    const landed = await finishUploaded(root, 'report/Trip [R1]/hotel.pdf', 'move');
    expect(landed).toBe(join(root, 'Uploaded', 'report', 'Trip [R1]', 'hotel.pdf'));
    expect(existsSync(join(root, 'report', 'Trip [R1]', 'hotel.pdf'))).toBe(false);
    expect(await readFile(landed!, 'utf8')).toBe('report/Trip [R1]/hotel.pdf');
  });

  it('keeps or deletes the file when told to', async () => {
    await put('a.jpg');
    await put('b.jpg');
    expect(await finishUploaded(root, 'a.jpg', 'keep')).toBeUndefined();
    expect(existsSync(join(root, 'a.jpg'))).toBe(true);
    expect(await finishUploaded(root, 'b.jpg', 'delete')).toBeUndefined();
    expect(existsSync(join(root, 'b.jpg'))).toBe(false);
  });

  it('never overwrites: clashes get " (2)", " (3)" before the extension', async () => {
    await put('Uploaded/scan.pdf', 'first');
    await put('Uploaded/scan (2).pdf', 'second');
    await put('scan.pdf', 'third');
    expect(await finishUploaded(root, 'scan.pdf', 'move')).toBe(
      join(root, 'Uploaded', 'scan (3).pdf'),
    );
    expect(await readFile(join(root, 'Uploaded', 'scan.pdf'), 'utf8')).toBe('first');
    expect(await freePath(join(root, 'Uploaded', 'no-ext'))).toBe(join(root, 'Uploaded', 'no-ext'));
  });

  it('moves a failed scan to Failed/ with an .error.txt that explains it, never holding the token', async () => {
    await put('entry/E1/x.jpg');
    const landed = await finishFailed(root, {
      relPath: 'entry/E1/x.jpg',
      target: 'entry E1',
      at: new Date(2026, 0, 2, 13, 4, 5).getTime(),
      attempts: 1,
      error: {
        reason: 'Entry E1 already has an image in Concur; Concur allows one image per entry.',
        message: 'This entry already has an image.',
        errorId: 'ERR-9',
        correlationId: 'corr-1',
        status: 400,
        retryable: false,
      },
    });
    expect(landed).toBe(join(root, 'Failed', 'entry', 'E1', 'x.jpg'));
    const text = await readFile(`${landed}.error.txt`, 'utf8');
    expect(text).toContain('Reason: Entry E1 already has an image');
    // Local time with the date, as the person opening the file reads a clock; not UTC ISO.
    expect(text).toContain(`Time: ${english.moment(new Date(2026, 0, 2, 13, 4, 5).getTime())}`);
    expect(text).toMatch(/Time: January 2, 2026 at 1:04:05 PM/);
    expect(text).not.toContain('T12:04:05');
    expect(text).toContain("Concur's message: This entry already has an image.");
    expect(text).toContain('Concur error id: ERR-9');
    expect(text).toContain('Correlation id: corr-1');
    expect(text).toContain('HTTP status: 400');
    expect(
      formatFailureReport({ relPath: 'a', at: 0, error: { reason: 'r', retryable: false } }),
    ).not.toMatch(/OAuth|Bearer|Authorization/);
  });

  it('writes the error file in the chosen language, naming an entry by its full id', async () => {
    await put('entry/Taxi [DEMO-ENTRY-0001]/x.jpg');
    const landed = await finishFailed(
      root,
      {
        relPath: 'entry/Taxi [DEMO-ENTRY-0001]/x.jpg',
        target: { kind: 'entry', id: 'DEMO-ENTRY-0001', label: 'Taxi' },
        at: new Date(2026, 0, 2, 13, 4, 5).getTime(),
        error: { ...reasonOf(msg('fixed.encrypted')), retryable: false },
      },
      undefined,
      translator('de', 'de-DE'),
    );
    const text = await readFile(`${landed}.error.txt`, 'utf8');
    expect(text).toContain('Concur Drop konnte diese Datei nicht hochladen.');
    expect(text).toContain('Grund: Das PDF ist mit einem Passwort geschützt');
    expect(text).toContain('Ziel: Spesenposten Taxi (DEMO-ENTRY-0001)');
    expect(text).toMatch(/Zeit: 2\. Januar 2026 um 13:04:05/);
  });

  it('puts a failed file back where it was found for Retry, and removes its error file', async () => {
    await put('sub/y.pdf', 'content');
    const failed = await finishFailed(root, {
      relPath: 'sub/y.pdf',
      at: 0,
      error: { reason: 'r', retryable: false },
    });
    await put('sub/y.pdf', 'a newer file with the same name');
    const rel = await restoreFromFailed(root, failed, 'sub/y.pdf');
    expect(rel).toBe('sub/y (2).pdf');
    expect(await readFile(join(root, 'sub', 'y (2).pdf'), 'utf8')).toBe('content');
    expect(existsSync(`${failed}.error.txt`)).toBe(false);
  });

  it.runIf(crossDevice)(
    'moves a file to another file system (copy, then remove the original)',
    async () => {
      await put('cross.pdf', 'bytes');
      const other = await mkdtemp('/dev/shm/concur-drop-xdev-');
      try {
        await moveFile(join(root, 'cross.pdf'), join(other, 'deep', 'cross.pdf'));
        expect(await readFile(join(other, 'deep', 'cross.pdf'), 'utf8')).toBe('bytes');
        expect(existsSync(join(root, 'cross.pdf'))).toBe(false);
      } finally {
        await rm(other, { recursive: true, force: true });
      }
    },
  );
});

describe('a move cut short by a crash', () => {
  it('is finished, not made a second copy "(2)": the file was already linked under its new name', async () => {
    await put('receipt-083.jpg', 'the scan');
    await mkdir(join(root, 'Uploaded'), { recursive: true });
    // What a kill between the move's link and its unlink leaves: one file under both names.
    await link(join(root, 'receipt-083.jpg'), join(root, 'Uploaded', 'receipt-083.jpg'));
    const landed = await finishUploaded(root, 'receipt-083.jpg', 'move');
    expect(landed).toBe(join(root, 'Uploaded', 'receipt-083.jpg'));
    expect(await readdir(join(root, 'Uploaded'))).toEqual(['receipt-083.jpg']);
    expect(existsSync(join(root, 'receipt-083.jpg'))).toBe(false);
  });

  it('still moves a different file of the same name beside the one there', async () => {
    await put('receipt.jpg', 'today');
    await put('Uploaded/receipt.jpg', 'yesterday');
    const landed = await finishUploaded(root, 'receipt.jpg', 'move');
    expect(landed).toBe(join(root, 'Uploaded', 'receipt (2).jpg'));
    expect(await readFile(join(root, 'Uploaded', 'receipt.jpg'), 'utf8')).toBe('yesterday');
  });
});
