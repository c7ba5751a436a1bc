import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { writeFileDurably } from '../durable-write.js';
import { degrees, PDFDocument } from 'pdf-lib';
import type { PDFImage, PDFPage } from 'pdf-lib';
import type { ContentType } from '../types.js';
import { jpegOrientation, uprightRotation } from './jpeg-orientation.js';
import { imagePageSize } from './page-size.js';

/**
 * One PDF from several scans, for an entry or invoice that takes a single
 * image (docs/architecture.md#concurs-rules, docs/architecture.md#from-file-to-concur): Concur refuses a second image there, so the pages
 * of a receipt scanned as several files have to travel together.
 */

async function addInput(
  doc: PDFDocument,
  input: MergeInput,
  objectsPerTick: number | undefined,
): Promise<void> {
  const { bytes } = input;
  if (input.contentType === 'application/pdf') {
    const source = await PDFDocument.load(bytes, {
      updateMetadata: false,
      ...(objectsPerTick !== undefined && { parseSpeed: objectsPerTick }),
    });
    const pages = await doc.copyPages(source, source.getPageIndices());
    for (const page of pages) doc.addPage(page);
    return;
  }
  const image: PDFImage =
    input.contentType === 'image/jpeg' ? await doc.embedJpg(bytes) : await doc.embedPng(bytes);
  const turn = input.contentType === 'image/jpeg' ? uprightRotation(jpegOrientation(bytes)) : 0;
  const sideways = turn === 90 || turn === 270;
  const { width, height } = sideways
    ? imagePageSize(image.height, image.width)
    : imagePageSize(image.width, image.height);
  drawUpright(doc.addPage([width, height]), image, turn);
}

/** Fills the page with the image turned clockwise by `turn` degrees (pdf-lib turns anticlockwise). */
function drawUpright(page: PDFPage, image: PDFImage, turn: 0 | 90 | 180 | 270): void {
  const width = page.getWidth();
  const height = page.getHeight();
  switch (turn) {
    case 0:
      return page.drawImage(image, { x: 0, y: 0, width, height });
    case 90:
      return page.drawImage(image, {
        x: 0,
        y: height,
        width: height,
        height: width,
        rotate: degrees(-90),
      });
    case 180:
      return page.drawImage(image, { x: width, y: height, width, height, rotate: degrees(180) });
    case 270:
      return page.drawImage(image, {
        x: width,
        y: 0,
        width: height,
        height: width,
        rotate: degrees(90),
      });
  }
}

/** One scan to merge, already read: `name` names it in errors. */
export interface MergeInput {
  name: string;
  bytes: Uint8Array;
  contentType: ContentType;
}

export interface MergeOptions {
  /**
   * pdf-lib yields to the event loop (a real timer) every this many objects
   * while parsing and saving, so a big merge leaves the app responsive;
   * Infinity never yields (the simulator, whose time is virtual). Default pdf-lib's.
   */
  objectsPerTick?: number;
  /** Creation and modification date written into the PDF; default now. */
  date?: Date;
}

/**
 * Builds one PDF from scans for one entry/invoice: JPEG/PNG become pages sized
 * by imagePageSize (phone photos turned upright by their EXIF orientation),
 * PDF pages are copied. Input order is kept (callers sort with naturalCompare).
 * A corrupt input throws an error naming that file.
 */
export async function mergePdfBytes(
  inputs: MergeInput[],
  options: MergeOptions = {},
): Promise<{ bytes: Uint8Array; pages: number }> {
  if (inputs.length === 0) throw new Error('Nothing to merge: no files were given.');
  const { objectsPerTick } = options;
  const doc = await PDFDocument.create();
  for (const input of inputs) {
    try {
      await addInput(doc, input, objectsPerTick);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(`Could not merge "${input.name}": ${why}`, { cause: error });
    }
  }
  doc.setProducer('Concur Drop');
  doc.setCreator('Concur Drop');
  if (options.date) {
    doc.setCreationDate(options.date);
    doc.setModificationDate(options.date);
  }
  // Classic xref tables rather than object streams: older PDF readers downstream cope too.
  const bytes = await doc.save({
    useObjectStreams: false,
    ...(objectsPerTick !== undefined && { objectsPerTick }),
  });
  return { bytes, pages: doc.getPageCount() };
}

/**
 * Merges scans for one entry/invoice into one PDF at outPath (see
 * mergePdfBytes). Written to a temp name beside outPath, then renamed, so a
 * crash never leaves a half PDF under the real name. An unreadable or corrupt
 * input throws an error naming that file.
 */
export async function mergeToPdf(
  inputs: { path: string; contentType: ContentType }[],
  outPath: string,
): Promise<{ size: number; pages: number }> {
  const read: MergeInput[] = [];
  for (const input of inputs) {
    const name = basename(input.path);
    try {
      read.push({ name, bytes: await readFile(input.path), contentType: input.contentType });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(`Could not merge "${name}": ${why}`, { cause: error });
    }
  }
  const { bytes, pages } = await mergePdfBytes(read);

  await writeFileDurably(outPath, bytes);
  return { size: bytes.length, pages };
}
