import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { jpegBytes } from '../../../main/engine/prepare/page-encoding.js';
import { openSource } from '../../../main/engine/prepare/page-source.js';

/**
 * Run by page-memory.test.ts in a process of its own, as the preparing worker
 * is set up: prints how much memory one step of preparing held, as JSON.
 *   encode PATH: VmHWM growth (bytes) while the JPEG at PATH is encoded again three times.
 *   open-pdf PATH: JavaScript buffers held (bytes) once the PDF at PATH is open, and the
 *     VmHWM growth while it opened (which looks at every page).
 */

const [mode, path] = process.argv.slice(2);
sharp.cache(false);
sharp.concurrency(1);

function peak(): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(kb?.[1]) * 1024;
}

if (mode === 'encode') {
  // libvips loaded and its first buffers made before the high-water mark is read.
  await sharp({ create: { width: 64, height: 64, channels: 3, background: '#fff' } })
    .jpeg()
    .toBuffer();
  const { width = 0, height = 0 } = await sharp(path).metadata();
  const before = peak();
  for (let i = 0; i < 3; i++)
    await jpegBytes(
      { image: sharp(path), width, height, bilevel: false },
      { quality: 70, scale: 1 },
    );
  console.log(JSON.stringify({ held: peak() - before }));
} else if (mode === 'open-pdf') {
  // pdfium compiled and started on a one-page PDF before the high-water mark is read.
  const warm = await PDFDocument.create();
  warm.addPage();
  await writeFile(`${path}.warm.pdf`, await warm.save());
  (await openSource(`${path}.warm.pdf`, 'application/pdf', 400_000_000)).close();
  const before = peak();
  const source = await openSource(path, 'application/pdf', 400_000_000);
  const held = process.memoryUsage().arrayBuffers;
  const rise = peak() - before;
  const pages = source.pages;
  source.close();
  console.log(JSON.stringify({ held, rise, pages }));
} else {
  throw new Error(`unknown mode ${mode}`);
}
