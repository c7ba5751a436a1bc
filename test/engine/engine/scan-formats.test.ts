import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bmp,
  bombPng,
  gif,
  incompressiblePdf,
  page,
  photoPng,
  receipt,
  scannedPdf,
  tiff,
  webp,
} from '../../fixtures/scan-formats.js';
import { startEngineHarness, type EngineHarness } from '../../helpers/engine-harness.js';

/**
 * Scans as scanners and phones make them, through the real engine to the
 * sandbox (which checks type from bytes, 10 MB and page counts): converted,
 * shrunk, and their originals moved to Uploaded/.
 */

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const MB = 1024 * 1024;
const HEIC = join(import.meta.dirname, '../../fixtures/receipt.heic');

describe('engine: scans in any format', () => {
  it('converts TIFF (G4 and LZW), HEIC, WebP, GIF and BMP, and says so', async () => {
    h = await startEngineHarness();
    const pages = await Promise.all([1, 2, 3].map((n) => receipt(n)));
    await h.put('fax.tif', await tiff(pages, { g4: true }));
    await h.put('colour.tiff', await tiff([await receipt(4, { colour: true })]));
    await h.put('phone.heic', await readFile(HEIC));
    await h.put('web.webp', await webp(await receipt(5)));
    await h.put('anim.gif', await gif([await receipt(6), await receipt(7)]));
    await h.put('old.bmp', await bmp(await receipt(8, { width: 301, height: 430 })));

    const fax = await h.waitForJob('fax.tif');
    expect(fax.state, JSON.stringify(fax.error)).toBe('uploaded');
    expect(fax.note).toBe('converted from TIFF (3 pages)');
    for (const name of ['colour.tiff', 'phone.heic', 'web.webp', 'anim.gif', 'old.bmp']) {
      const job = await h.waitForJob(name);
      expect(job.state, `${name}: ${job.error?.reason}`).toBe('uploaded');
      expect(job.note).toMatch(/^converted from (TIFF|HEIC|WebP|GIF|BMP)$/);
    }
    await h.engine.whenIdle();
    const got = h.sandbox.received();
    expect(got).toHaveLength(6);
    const pdfs = got.filter((r) => r.contentType === 'application/pdf');
    expect(pdfs.map((r) => r.pdfPages)).toEqual([3]);
    // Every other became one image Concur takes; line art (receipts on white) as PNG.
    for (const r of got.filter((r) => r.contentType !== 'application/pdf'))
      expect(['image/png', 'image/jpeg']).toContain(r.contentType);
    // The originals, as dropped, are in Uploaded/.
    for (const name of ['fax.tif', 'colour.tiff', 'phone.heic', 'web.webp', 'anim.gif', 'old.bmp'])
      expect(existsSync(join(h.root, 'Uploaded', name)), name).toBe(true);
  });

  it('fails a damaged TIFF and a decompression bomb with a plain reason, sending nothing', async () => {
    h = await startEngineHarness();
    const good = await tiff([await receipt(1)]);
    await h.put('cut.tif', good.subarray(0, 200));
    await h.put('bomb.png', bombPng());
    const cut = await h.waitForJob('cut.tif');
    expect(cut.state).toBe('failed');
    expect(cut.error?.reason).toMatch(/TIFF image is damaged or not readable/);
    const bomb = await h.waitForJob('bomb.png');
    expect(bomb.state).toBe('failed');
    expect(bomb.error?.reason).toMatch(/60,000 × 60,000 pixels.*not opened/);
    expect(h.sandbox.requests()).toBe(0);
  });

  it('shrinks a 14 MB PNG and a 30 MB scanned PDF under 10 MB, keeping every page', async () => {
    h = await startEngineHarness();
    const photo = await photoPng(14);
    expect(photo.length).toBeGreaterThan(13 * MB);
    const scan = await scannedPdf(10, 3);
    expect(scan.length).toBeGreaterThan(29 * MB);
    await h.put('photo.png', photo);
    await h.put('scan.pdf', scan);
    const photoJob = await h.waitForJob('photo.png', undefined, 60_000);
    expect(photoJob.state, photoJob.error?.reason).toBe('uploaded');
    expect(photoJob.note).toMatch(/^shrunk from 1[34]\.\d MB to \d\.\d MB$/);
    const scanJob = await h.waitForJob('scan.pdf', undefined, 60_000);
    expect(scanJob.state, scanJob.error?.reason).toBe('uploaded');
    expect(scanJob.note).toMatch(/^shrunk from (29|30|31)\.\d MB to \d\.\d MB$/);
    await h.engine.whenIdle();
    const got = h.sandbox.received();
    const pdf = got.find((r) => r.contentType === 'application/pdf')!;
    expect(pdf.pdfPages).toBe(10);
    for (const r of got) expect(r.size).toBeLessThanOrEqual(10 * MB);
    expect(existsSync(join(h.root, 'Uploaded', 'scan.pdf'))).toBe(true);
  });

  it('shrinks an entry batch whose merged PDF passes 10 MB, so the entry still gets its one image', async () => {
    h = await startEngineHarness();
    const [one, two] = [await scannedPdf(2, 3), await scannedPdf(2, 3.1)];
    await h.put('entry/Dinner [ENT42]/page-1.pdf', one);
    await h.put('entry/Dinner [ENT42]/page-2.pdf', two);
    for (const name of ['page-1.pdf', 'page-2.pdf']) {
      const job = await h.waitForJob(`entry/Dinner [ENT42]/${name}`, undefined, 60_000);
      expect(job.state, job.error?.reason).toBe('uploaded');
    }
    await h.engine.whenIdle();
    const [image] = h.sandbox.received();
    expect(h.sandbox.received()).toHaveLength(1);
    expect([image.kind, image.id, image.pdfPages]).toEqual(['entry', 'ENT42', 4]);
    expect(image.size).toBeLessThanOrEqual(10 * MB);
  });

  it('sends a report file that cannot fit one image as parts appended in page order; a receipt fails with the sizes', async () => {
    h = await startEngineHarness();
    const big = await incompressiblePdf(10);
    await h.put('report/Trip [REP9]/statement.pdf', big);
    await h.put('statement.pdf', big);
    const report = await h.waitForJob('report/Trip [REP9]/statement.pdf', undefined, 90_000);
    expect(report.state, report.error?.reason).toBe('uploaded');
    expect(report.parts).toBeGreaterThan(1);
    expect(report.note).toMatch(/sent in \d parts \(too large for one image\)/);
    const receipt = await h.waitForJob('statement.pdf', undefined, 90_000);
    expect(receipt.state).toBe('failed');
    expect(receipt.error?.reason).toMatch(/^The file is \d+\.\d MB; shrunk .* still \d+\.\d MB\./);
    await h.engine.whenIdle();
    const parts = h.sandbox.received().filter((r) => r.kind === 'report');
    expect(parts).toHaveLength(report.parts!);
    expect(parts.reduce((n, r) => n + r.pdfPages!, 0)).toBe(10);
    for (const r of parts) expect(r.size).toBeLessThanOrEqual(10 * MB);
  });

  it('leaves a file Concur takes as it is untouched, and refuses when converting is off', async () => {
    h = await startEngineHarness({ settings: { convert: false } });
    const png = await page({ lines: ['as is'] });
    await h.put('fine.png', png);
    await h.put('fax.tif', await tiff([await receipt(1)]));
    expect((await h.waitForJob('fine.png')).note).toBeUndefined();
    const fax = await h.waitForJob('fax.tif');
    expect(fax.error?.reason).toMatch(/TIFF image; .*converting is turned off/);
    await h.engine.whenIdle();
    const [sent] = h.sandbox.received();
    expect(sent.size).toBe(png.length);
  });
});
