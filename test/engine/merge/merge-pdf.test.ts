import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectFile } from '../../../main/engine/inspect/inspect.js';
import { mergeToPdf } from '../../../main/engine/merge/merge-pdf.js';
import { jpegOrientation } from '../../../main/engine/merge/jpeg-orientation.js';
import type { ContentType } from '../../../main/engine/types.js';
import { encryptedPdf, jpeg, pdf, png, truncatedJpeg } from '../../fixtures/scans.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'concur-drop-merge-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function input(name: string, bytes: Uint8Array, contentType: ContentType) {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return { path, contentType };
}

async function pageSizes(path: string): Promise<[number, number][]> {
  const doc = await PDFDocument.load(await readFile(path));
  return doc.getPages().map((p) => [Math.round(p.getWidth()), Math.round(p.getHeight())]);
}

describe('merging scans for one entry or invoice', () => {
  it('makes a three-page PDF from three images, in the order given', async () => {
    const out = join(dir, 'three.pdf');
    const result = await mergeToPdf(
      [
        await input('1.jpg', jpeg(), 'image/jpeg'),
        await input('2.png', png(40, 90), 'image/png'),
        await input('3.png', png(), 'image/png'),
      ],
      out,
    );
    expect(result.pages).toBe(3);
    expect(result.size).toBe((await readFile(out)).length);
    // The fixture JPEG is 64×48; the PNGs 40×90 and 32×24: pages keep the images' sizes.
    expect(await pageSizes(out)).toEqual([
      [64, 48],
      [40, 90],
      [32, 24],
    ]);
  });

  it('copies the pages of a PDF and adds an image after them', async () => {
    const out = join(dir, 'mixed.pdf');
    const result = await mergeToPdf(
      [
        await input('two-pages.pdf', await pdf({ pages: 2 }), 'application/pdf'),
        await input('photo.jpg', jpeg(30_000), 'image/jpeg'),
      ],
      out,
    );
    expect(result.pages).toBe(3);
    expect(await pageSizes(out)).toEqual([
      [300, 400],
      [300, 400],
      [64, 48],
    ]);
  });

  it('writes a PDF that Concur Drop itself accepts for upload', async () => {
    const out = join(dir, 'upload.pdf');
    await mergeToPdf(
      [
        await input('u1.png', png(200, 300, true), 'image/png'),
        await input('u2.pdf', await pdf(), 'application/pdf'),
      ],
      out,
    );
    expect(await inspectFile(out)).toMatchObject({ ok: true, contentType: 'application/pdf' });
  });

  it('leaves no temp file behind and replaces an older output', async () => {
    const out = join(dir, 'replaced.pdf');
    await writeFile(out, 'old');
    await mergeToPdf([await input('r.jpg', jpeg(), 'image/jpeg')], out);
    expect((await readFile(out)).subarray(0, 5).toString()).toBe('%PDF-');
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('names the file that cannot be read when an input is corrupt', async () => {
    const out = join(dir, 'broken.pdf');
    const good = await input('good.jpg', jpeg(), 'image/jpeg');
    await expect(
      mergeToPdf(
        [good, await input('garbage.pdf', Buffer.from('%PDF-1.4 nonsense'), 'application/pdf')],
        out,
      ),
    ).rejects.toThrow(/"garbage\.pdf"/);
    await expect(
      mergeToPdf([good, await input('locked.pdf', await encryptedPdf(), 'application/pdf')], out),
    ).rejects.toThrow(/"locked\.pdf".*encrypt/i);
    await expect(
      mergeToPdf([good, await input('notpng.png', truncatedJpeg(), 'image/png')], out),
    ).rejects.toThrow(/"notpng\.png"/);
    await expect(
      mergeToPdf([good, { path: join(dir, 'missing.jpg'), contentType: 'image/jpeg' }], out),
    ).rejects.toThrow(/"missing\.jpg"/);
    await expect(readFile(out)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses to merge nothing', async () => {
    await expect(mergeToPdf([], join(dir, 'none.pdf'))).rejects.toThrow(/Nothing to merge/);
  });
});

/** The fixture JPEG with an EXIF APP1 segment holding only an orientation tag. */
function jpegWithOrientation(orientation: number, order: 'II' | 'MM' = 'MM'): Buffer {
  const little = order === 'II';
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  tiff.write(order, 0, 'latin1');
  const u16 = (v: number, at: number) =>
    little ? tiff.writeUInt16LE(v, at) : tiff.writeUInt16BE(v, at);
  const u32 = (v: number, at: number) =>
    little ? tiff.writeUInt32LE(v, at) : tiff.writeUInt32BE(v, at);
  u16(42, 2);
  u32(8, 4); // IFD0 right after the header
  u16(1, 8); // one entry
  u16(0x0112, 10); // Orientation
  u16(3, 12); // SHORT
  u32(1, 14);
  u16(orientation, 18);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  const image = jpeg();
  return Buffer.concat([image.subarray(0, 2), header, payload, image.subarray(2)]);
}

describe('phone photos with an EXIF orientation', () => {
  it('reads the orientation tag in either byte order', () => {
    expect(jpegOrientation(jpegWithOrientation(6, 'MM'))).toBe(6);
    expect(jpegOrientation(jpegWithOrientation(8, 'II'))).toBe(8);
    expect(jpegOrientation(jpeg())).toBe(1);
    expect(jpegOrientation(Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0, 2]))).toBe(1);
  });

  it('turns a photo taken sideways upright on its page', async () => {
    const out = join(dir, 'turned.pdf');
    await mergeToPdf(
      [
        await input('rot6.jpg', jpegWithOrientation(6), 'image/jpeg'),
        await input('rot8.jpg', jpegWithOrientation(8, 'II'), 'image/jpeg'),
        await input('rot3.jpg', jpegWithOrientation(3), 'image/jpeg'),
      ],
      out,
    );
    // The stored image is 64×48 (landscape); orientations 6 and 8 show it as 48×64.
    expect(await pageSizes(out)).toEqual([
      [48, 64],
      [48, 64],
      [64, 48],
    ]);
  });
});
