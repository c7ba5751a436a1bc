import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareFile } from '../../../main/engine/prepare/prepare-file.js';
import type { PrepareRequest } from '../../../main/engine/prepare/prepare-types.js';
import { page, receipt, stackPdf, webp } from '../../fixtures/scan-formats.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/**
 * prepareFile on real files (in this thread: the worker around it is tested
 * through the engine): stacks split at blank sheets, faint receipts and
 * pencil notes kept, a report too large for one image sent in parts, and a
 * receipt that cannot fit refused with its sizes.
 */

let tmp: { path: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await makeTempDir('concur-drop-prepare-');
});
afterAll(() => tmp.cleanup());

let n = 0;
async function request(
  bytes: Buffer,
  from: PrepareRequest['from'],
  extra: Partial<PrepareRequest> = {},
): Promise<PrepareRequest> {
  const path = join(tmp.path, `in-${++n}`);
  await writeFile(path, bytes);
  return {
    path,
    from,
    outDir: tmp.path,
    outStem: `out-${n}`,
    maxBytes: 10 * 1024 * 1024,
    shrink: true,
    mayAppendParts: false,
    split: 'none',
    blankPages: 'keep',
    maxPixels: 400_000_000,
    ...extra,
  };
}

/** A blank back of a duplex scan: paper grain and a few specks of dust, nothing written. */
const blankBack = () => page({ paper: 246, noise: 6 });
/** A thermal till receipt, faded: light grey print on off-white paper. */
const faintReceipt = () =>
  page({ paper: 246, ink: 205, noise: 4, lines: ['CAFE', 'Tea 2.10', 'Total 2.10'] });
/** A sheet with a short pencil note and nothing else. */
const pencilNote = () => page({ paper: 250, ink: 175, size: 28, lines: ['taxi 12,-'] });

async function pageCount(path: string): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  return (await PDFDocument.load(await readFile(path))).getPageCount();
}

describe('preparing a stack', () => {
  it('splits at blank separator sheets, one receipt per part, separators dropped', async () => {
    const stack = await stackPdf([
      await receipt(1),
      await blankBack(),
      await receipt(2),
      await receipt(3),
      await blankBack(),
      await blankBack(),
      await receipt(4),
    ]);
    const result = await prepareFile(
      await request(stack, 'application/pdf', { split: 'separator' }),
    );
    expect(result.ok).toBe(true);
    if (result.ok !== true) return;
    expect(result.parts.map((p) => p.pages)).toEqual([[1], [3, 4], [7]]);
    expect(result.note).toBe('split into 3 receipts');
    expect(await pageCount(result.parts[1].path)).toBe(2);
  });

  it('keeps a faint thermal receipt and a pencil note when blank pages are dropped', async () => {
    const stack = await stackPdf([
      await faintReceipt(),
      await blankBack(),
      await pencilNote(),
      await blankBack(),
    ]);
    const result = await prepareFile(
      await request(stack, 'application/pdf', { split: 'page', blankPages: 'drop' }),
    );
    if (result.ok !== true) throw new Error(result.reason);
    expect(result.parts.map((p) => p.pages)).toEqual([[1], [3]]);
    expect(result.note).toBe('2 blank pages dropped, split into 2 receipts');
  });

  it('refuses a stack whose every page is blank', async () => {
    const stack = await stackPdf([await blankBack(), await blankBack()]);
    const result = await prepareFile(
      await request(stack, 'application/pdf', { blankPages: 'drop' }),
    );
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/blank/) });
  });
});

describe('fitting the limit', () => {
  /** Pages of coloured noise: they do not compress, so a small limit cannot hold them all. */
  async function noisyPdf(pages: number): Promise<Buffer> {
    const side = 700;
    const raw = Buffer.alloc(side * side * 3);
    for (let i = 0; i < raw.length; i++) raw[i] = (Math.random() * 256) | 0;
    const jpeg = await sharp(raw, { raw: { width: side, height: side, channels: 3 } })
      .jpeg({ quality: 90 })
      .toBuffer();
    const doc = await PDFDocument.create();
    for (let i = 0; i < pages; i++) {
      const image = await doc.embedJpg(jpeg);
      doc.addPage([300, 300]).drawImage(image, { x: 0, y: 0, width: 300, height: 300 });
    }
    return Buffer.from(await doc.save());
  }

  it('sends a report file too large for one image in parts, in page order', async () => {
    const pdf = await noisyPdf(6);
    const maxBytes = 500 * 1024;
    const result = await prepareFile(
      await request(pdf, 'application/pdf', { maxBytes, mayAppendParts: true }),
    );
    if (result.ok !== true) throw new Error(result.reason);
    expect(result.parts.length).toBeGreaterThan(1);
    expect(result.parts.flatMap((p) => p.pages)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const part of result.parts) expect(part.size).toBeLessThanOrEqual(maxBytes);
    expect(result.note).toMatch(/^shrunk from .* MB to .* MB, sent in \d parts/);
  });

  it('refuses a receipt that cannot fit, with both sizes in the reason', async () => {
    const pdf = await noisyPdf(6);
    const result = await prepareFile(
      await request(pdf, 'application/pdf', { maxBytes: 500 * 1024 }),
    );
    expect(result).toMatchObject({ ok: false, code: 'too-large' });
    if (result.ok !== false) return;
    expect(result.reason).toMatch(/^The file is \d+\.\d MB; shrunk .* still \d+\.\d MB\./);
  });

  it('turns a photo upright by its EXIF orientation', async () => {
    // 400 wide, 200 high as stored; orientation 6 says: turn 90° clockwise to view.
    const stored = await sharp(await receipt(1, { width: 400, height: 200, colour: true }))
      .withMetadata({ orientation: 6 })
      .webp()
      .toBuffer();
    expect((await sharp(stored).metadata()).orientation).toBe(6);
    const result = await prepareFile(await request(stored, 'image/webp'));
    if (result.ok !== true) throw new Error(result.reason);
    const meta = await sharp(result.parts[0].path).metadata();
    expect([meta.width, meta.height]).toEqual([200, 400]);
    expect(result.note).toBe('converted from WebP');
  });

  it('converts a line-art page to PNG and a colour photo to JPEG', async () => {
    const text = await prepareFile(await request(await webp(await receipt(1)), 'image/webp'));
    const photo = await prepareFile(
      await request(
        await sharp(await page({ noise: 90, paper: 128 }))
          .webp()
          .toBuffer(),
        'image/webp',
      ),
    );
    expect(text.ok === true && text.parts[0].contentType).toBe('image/png');
    expect(photo.ok === true && photo.parts[0].contentType).toBe('image/jpeg');
  });
});

describe('preparing a BMP as older scanner software writes it', () => {
  for (const name of ['scan-8bit-palette.bmp', 'scan-4bit-palette.bmp'])
    it(`converts ${name} (a palette BMP) to one upright image of the same size`, async () => {
      const { readFile } = await import('node:fs/promises');
      const bytes = await readFile(join(import.meta.dirname, '../../fixtures', name));
      const result = await prepareFile(await request(bytes, 'image/bmp'));
      expect(result.ok).toBe(true);
      if (result.ok !== true) return;
      expect(result.parts).toHaveLength(1);
      const { data, info } = await sharp(result.parts[0].path)
        .greyscale()
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect([info.width, info.height]).toEqual([120, 80]);
      // Top row white, bottom row black: the rows are in the right order.
      expect(data[0]).toBeGreaterThan(200);
      expect(data[(info.height - 1) * info.width]).toBeLessThan(60);
    });

  it('refuses a run-length-compressed BMP with a plain reason', async () => {
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(join(import.meta.dirname, '../../fixtures/scan-8bit-rle.bmp'));
    const result = await prepareFile(await request(bytes, 'image/bmp'));
    expect(result).toMatchObject({ ok: false });
    if (result.ok !== false) return;
    expect(result.reason).toContain('compressed (RLE)');
  });
});
