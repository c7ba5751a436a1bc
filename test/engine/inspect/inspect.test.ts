import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkCompleteness,
  inspectFile,
  judgeWhole,
  MAX_IMAGE_BYTES,
  NotAFileError,
  sha256File,
} from '../../../main/engine/inspect/inspect.js';
import {
  isEncryptedPdf,
  PdfEncryptionScanner,
} from '../../../main/engine/inspect/pdf-encryption.js';
import {
  encryptedPdf,
  GIF,
  jpeg,
  pdf,
  png,
  TEXT_AS_PDF,
  truncatedJpeg,
} from '../../fixtures/scans.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'concur-drop-inspect-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('inspecting a scan before upload', () => {
  it('accepts a PDF, a JPEG and a PNG, typed by their bytes and hashed', async () => {
    const cases: [string, Buffer, string][] = [
      ['a.pdf', await pdf({ pages: 2 }), 'application/pdf'],
      ['b.jpg', jpeg(50_000), 'image/jpeg'],
      ['c.png', png(), 'image/png'],
    ];
    for (const [name, bytes, contentType] of cases) {
      expect(await inspectFile(await file(name, bytes))).toMatchObject({
        ok: true,
        contentType,
        size: bytes.length,
        sha256: sha(bytes),
      });
    }
  });

  it('types a JPEG named .png as a JPEG', async () => {
    const result = await inspectFile(await file('photo.png', jpeg()));
    expect(result).toMatchObject({ ok: true, contentType: 'image/jpeg' });
  });

  it('refuses an empty file', async () => {
    expect(await inspectFile(await file('empty.pdf', Buffer.alloc(0)))).toMatchObject({
      ok: false,
      reason: 'The file is empty.',
    });
  });

  it('refuses a GIF, naming what it is', async () => {
    expect(await inspectFile(await file('anim.gif', GIF))).toMatchObject({
      ok: false,
      reason: 'This is a GIF image; Concur accepts only PDF, JPEG and PNG.',
    });
  });

  it('refuses an Office document, naming what it is', async () => {
    const docx = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100, 1)]);
    expect(await inspectFile(await file('x.docx', docx))).toMatchObject({
      ok: false,
      reason: 'This is an Office document or ZIP archive; Concur accepts only PDF, JPEG and PNG.',
    });
  });

  it('refuses text saved as .pdf, saying it looks like text', async () => {
    expect(await inspectFile(await file('note.pdf', TEXT_AS_PDF))).toMatchObject({
      ok: false,
      reason: 'This file is not a PDF, JPEG or PNG (it looks like text).',
    });
  });

  it('refuses a file over 10 MB, giving its size', async () => {
    const big = jpeg(Math.round(11.2 * 1024 * 1024));
    expect(big.length).toBeGreaterThan(MAX_IMAGE_BYTES);
    expect(await inspectFile(await file('big.jpg', big))).toMatchObject({
      ok: false,
      reason: 'The file is 11.2 MB; Concur accepts at most 10 MB.',
    });
  });

  it('accepts a file of exactly 10 MB', async () => {
    const bytes = jpeg(MAX_IMAGE_BYTES);
    expect(bytes.length).toBe(MAX_IMAGE_BYTES);
    expect(await inspectFile(await file('limit.jpg', bytes))).toMatchObject({
      ok: true,
      size: MAX_IMAGE_BYTES,
      sha256: sha(bytes),
    });
  });

  it('refuses a truncated JPEG as incomplete', async () => {
    expect(await inspectFile(await file('cut.jpg', truncatedJpeg()))).toMatchObject({
      ok: false,
      reason: 'The JPEG image is incomplete (cut off before its end).',
    });
  });

  it('refuses a PDF and a PNG cut off before their end', async () => {
    const whole = await pdf({ pages: 3 });
    expect(
      await inspectFile(await file('cut.pdf', whole.subarray(0, whole.length - 40))),
    ).toMatchObject({
      ok: false,
      reason: 'The PDF is incomplete (cut off before its end).',
    });
    const image = png(64, 64, true);
    expect(
      await inspectFile(await file('cut.png', image.subarray(0, image.length - 30))),
    ).toMatchObject({
      ok: false,
      reason: 'The PNG image is incomplete (cut off before its end).',
    });
  });

  it('refuses a password-protected (encrypted) PDF', async () => {
    expect(await inspectFile(await file('locked.pdf', await encryptedPdf()))).toMatchObject({
      ok: false,
      reason: 'The PDF is password protected (encrypted); Concur cannot accept it.',
    });
  });

  it('does not mistake /EncryptMetadata or the word in text for encryption', async () => {
    const plain = (await pdf()).toString('latin1');
    const withMetadataKey = plain.replace('trailer\n<<', 'trailer\n<<\n/EncryptMetadata false');
    expect(isEncryptedPdf(Buffer.from(withMetadataKey, 'latin1'))).toBe(false);
    const inText = await pdf({ text: 'See /Encrypt 1 0 R' });
    // pdf-lib compresses content streams, so also check an uncompressed mention of the word.
    expect(isEncryptedPdf(Buffer.from('(the /Encrypt key) Tj', 'latin1'))).toBe(false);
    expect(await inspectFile(await file('mentions.pdf', inText))).toMatchObject({ ok: true });
  });

  it('finds /Encrypt even when it straddles two read chunks', () => {
    const scanner = new PdfEncryptionScanner();
    scanner.push(Buffer.from('trailer\n<< /Size 9 /Encr', 'latin1'));
    expect(scanner.encrypted).toBe(false);
    scanner.push(Buffer.from('ypt 99 0 R >>', 'latin1'));
    expect(scanner.encrypted).toBe(true);
  });

  it('never opens a named pipe, and says it is not a file', async () => {
    const fifo = join(dir, 'scan.pdf');
    execFileSync('mkfifo', [fifo]);
    await expect(inspectFile(fifo)).rejects.toThrow(/named pipe/);
    await expect(checkCompleteness(fifo)).rejects.toBeInstanceOf(NotAFileError);
    await rm(fifo);
  });

  it('says a folder named like a scan is a folder', async () => {
    const folder = join(dir, 'x.pdf');
    await mkdir(folder);
    await expect(inspectFile(folder)).rejects.toThrow('is a folder, not a regular file');
    await expect(checkCompleteness(folder)).rejects.toBeInstanceOf(NotAFileError);
  });

  it('passes on the file system error for a gone file, and never follows a link (even a loop)', async () => {
    await expect(inspectFile(join(dir, 'gone.pdf'))).rejects.toMatchObject({ code: 'ENOENT' });
    await symlink(join(dir, 'loop-b'), join(dir, 'loop-a'));
    await symlink(join(dir, 'loop-a'), join(dir, 'loop-b'));
    await expect(checkCompleteness(join(dir, 'loop-a'))).rejects.toThrow(/symbolic link/);
    const outside = await file('outside.pdf', await pdf());
    await symlink(outside, join(dir, 'link.pdf'));
    await expect(inspectFile(join(dir, 'link.pdf'))).rejects.toBeInstanceOf(NotAFileError);
  });
});

describe('telling a finished scan from one still being written', () => {
  it('sees complete PDF, JPEG and PNG files', async () => {
    for (const [name, bytes] of [
      ['ok.pdf', await pdf()],
      ['ok.jpg', jpeg(30_000)],
      ['ok.png', png()],
    ] as const) {
      const path = await file(name, bytes);
      const result = await checkCompleteness(path);
      expect(result.completeness, name).toBe('complete');
      expect(result.size).toBe(bytes.length);
      expect(result.mtimeMs).toBeGreaterThan(0);
    }
  });

  it('allows the NUL and line-break padding some scanners add after the end', async () => {
    const padded = (b: Buffer) => Buffer.concat([b, Buffer.from('\r\n\0\0\0\0 \n')]);
    expect((await checkCompleteness(await file('p.pdf', padded(await pdf())))).completeness).toBe(
      'complete',
    );
    expect((await checkCompleteness(await file('p.jpg', padded(jpeg())))).completeness).toBe(
      'complete',
    );
    expect((await checkCompleteness(await file('p.png', padded(png())))).completeness).toBe(
      'complete',
    );
  });

  it('sees a scan still being written at every cut point as incomplete', async () => {
    const whole = jpeg(20_000);
    for (const cut of [3, 100, 5_000, 19_990, whole.length - 1]) {
      const path = await file('growing.jpg', whole.subarray(0, cut));
      expect((await checkCompleteness(path)).completeness, `cut at ${cut}`).toBe('incomplete');
    }
    const doc = await pdf({ pages: 2, bytes: 40_000 });
    for (const cut of [10, 2_000, doc.length - 3]) {
      const path = await file('growing.pdf', doc.subarray(0, cut));
      expect((await checkCompleteness(path)).completeness, `cut at ${cut}`).toBe('incomplete');
    }
  });

  it('sees a PDF with an update still being appended after an earlier %%EOF as incomplete', async () => {
    const doc = Buffer.concat([await pdf(), Buffer.from('1 0 obj\n<< /Type /Page')]);
    expect((await checkCompleteness(await file('update.pdf', doc))).completeness).toBe(
      'incomplete',
    );
  });

  it('sees space reserved with NULs as incomplete', async () => {
    const path = await file('reserved.pdf', Buffer.alloc(4096));
    expect((await checkCompleteness(path)).completeness).toBe('incomplete');
  });

  it('leaves empty files and other types to inspection', async () => {
    expect((await checkCompleteness(await file('e.pdf', Buffer.alloc(0)))).completeness).toBe(
      'unknown-type',
    );
    expect((await checkCompleteness(await file('g.gif', GIF))).completeness).toBe('unknown-type');
    expect((await checkCompleteness(await file('t.pdf', TEXT_AS_PDF))).completeness).toBe(
      'unknown-type',
    );
  });
});

describe('hashing', () => {
  it('hashes a file bigger than one read chunk exactly', async () => {
    const bytes = jpeg(3 * 1024 * 1024 + 17);
    expect(await sha256File(await file('three.jpg', bytes))).toBe(sha(bytes));
  });
});

describe("readiness's look serves inspection", () => {
  it('judges a small file read whole as inspecting it would, and hands it on only when complete', async () => {
    const cases: [string, Buffer][] = [
      ['receipt.jpg', jpeg(3000, 7)],
      ['receipt.pdf', await pdf({ text: 'look' })],
      ['receipt.png', png()],
      ['locked.pdf', await encryptedPdf()],
      ['cut.jpg', truncatedJpeg()],
      ['notes.pdf', TEXT_AS_PDF],
      ['anim.gif', GIF],
    ];
    for (const [name, bytes] of cases) {
      const path = await file(`look-${name}`, bytes);
      const look = await checkCompleteness(path);
      const inspected = await inspectFile(path);
      for (const preparable of [{}, { convert: true }, { convert: false }])
        expect(judgeWhole(bytes, look.mtimeMs, preparable), name).toEqual(
          await inspectFile(path, undefined, preparable),
        );
      // Handed on only when there is something to judge: an unfinished scan is looked at again.
      expect(look.whole !== undefined, name).toBe(look.completeness !== 'incomplete');
      if (look.whole) expect(judgeWhole(look.whole, look.mtimeMs)).toEqual(inspected);
    }
  });

  it('does not hand on a file bigger than one read', async () => {
    const look = await checkCompleteness(await file('look-big.jpg', jpeg(200 * 1024, 8)));
    expect(look.completeness).toBe('complete');
    expect(look.whole).toBeUndefined();
  });
});
