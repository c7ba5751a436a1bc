import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../helpers/temp-dir.js';

/**
 * Memory while shrinking a scan (docs/architecture.md#preparing-scans): one
 * page at a time means no step holds a whole page, nor a second copy of the
 * file. Each figure is read in a process of its own (memory-probe.ts) with one
 * malloc arena and one libuv thread, so it does not depend on which threads
 * the work happened to land on.
 */

const run = promisify(execFile);
const MB = 1024 * 1024;
const linux = process.platform === 'linux';
if (!linux) console.log('page-memory: skipped, it reads /proc/self/status (Linux only)');

let tmp: { path: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  tmp = await makeTempDir('concur-drop-page-memory-');
});
afterAll(() => tmp.cleanup());

async function probe(
  mode: string,
  path: string,
): Promise<{ held: number; rise?: number; pages?: number }> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'memory-probe.ts'), mode, path],
    { env: { ...process.env, MALLOC_ARENA_MAX: '1', UV_THREADPOOL_SIZE: '1' } },
  );
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
}

describe.runIf(linux)('memory while shrinking a scan', () => {
  it('encodes a 300 dpi A4 page holding far less than the page itself', async () => {
    // A colour scan's page: cream paper with its grain, as a scanner sees it (2480 × 3508 × 3 = 26 MB).
    const width = 2480;
    const height = 3508;
    const grain = randomBytes(width * height * 3).map((v) => 232 + (v & 15));
    const path = join(tmp.path, 'page.jpg');
    await sharp(grain, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 70 })
      .toFile(path);
    const { held } = await probe('encode', path);
    // Optimised Huffman tables kept all of the page's coefficients: about 50 MB here.
    expect(held).toBeLessThan(10 * MB);
  }, 60_000);

  it('opens a 60-page 30 MB scan holding its bytes once, however many pages it has', async () => {
    // Each page one JPEG of half a megabyte, as an office MFP writes a colour scan.
    const jpeg = await sharp(randomBytes(560 * 800 * 3), {
      raw: { width: 560, height: 800, channels: 3 },
    })
      .jpeg({ quality: 95 })
      .toBuffer();
    const doc = await PDFDocument.create();
    for (let i = 0; i < 60; i++) {
      const image = await doc.embedJpg(jpeg);
      doc.addPage([595.28, 841.89]).drawImage(image, { x: 0, y: 0, width: 595.28, height: 841.89 });
    }
    const path = join(tmp.path, 'scan.pdf');
    const bytes = await doc.save();
    await writeFile(path, bytes);
    const { held, rise, pages } = await probe('open-pdf', path);
    expect(pages).toBe(60);
    // No JavaScript copy of the file (it was 30 MB until a garbage collection)...
    expect(held).toBeLessThan(5 * MB);
    // ...and pdfium's heap holds the file and a few pages, not every page it looked at again.
    expect(rise).toBeLessThan(bytes.length + 12 * MB);
  }, 60_000);
});
