import { open, readFile } from 'node:fs/promises';
import type { PDFiumDocument, PDFiumLibrary, PDFiumPage } from '@hyzyla/pdfium';
import sharp, { type Sharp } from 'sharp';
import { describeType, typeKey, type SniffedType } from '../inspect/file-type.js';
import { bmpPixels, bmpSize, UnreadableImageError } from './bmp-pixels.js';

/**
 * A source file as a list of pages, decoded one at a time so memory holds one
 * page, never the whole stack: sharp for TIFF (every page, every compression,
 * CCITT G4 included), WebP, GIF (first frame), PNG and JPEG; heic-decode for
 * HEIC; pdfium (WebAssembly) to render PDF pages. EXIF orientation is applied.
 */

export interface SourcePage {
  /** The page upright, without alpha (on white). */
  image: Sharp;
  width: number;
  height: number;
  /** Dots per inch, when the file says so (scanners do). */
  dpi?: number;
  /** Already black and white (a G4 fax page, a 1-bit scan). */
  bilevel: boolean;
}

export interface PageSource {
  readonly pages: number;
  /** A PDF with real text (not only scanned images) on some page. */
  readonly hasText: boolean;
  /** Page `index` (0-based); PDF pages are rendered at `dpi` (default 200). */
  page(index: number, dpi?: number): Promise<SourcePage>;
  /** Page size in points (1/72 inch), for PDF pages. */
  pointSize(index: number): { width: number; height: number } | undefined;
  close(): void;
}

/** A decoded page would exceed the pixel limit: refused before decoding. */
export class TooManyPixelsError extends UnreadableImageError {
  constructor(width: number, height: number) {
    super(
      `The image is ${width.toLocaleString('en')} × ${height.toLocaleString('en')} pixels, far larger than any scan; it was not opened (it could exhaust the computer's memory).`,
      { key: 'prep.tooManyPixels', params: { width, height } },
    );
    this.name = 'TooManyPixelsError';
  }
}

function checkPixels(width: number, height: number, maxPixels: number): void {
  if (!(width > 0 && height > 0))
    throw new UnreadableImageError('The image has no pixels.', { key: 'prep.noPixels' });
  if (width * height > maxPixels) throw new TooManyPixelsError(width, height);
}

const WHITE = { r: 255, g: 255, b: 255 };

export async function openSource(
  path: string,
  from: SniffedType,
  maxPixels: number,
): Promise<PageSource> {
  // A PDF is read straight into pdfium's heap: a 30 MB scan is held once, not twice.
  if (from === 'application/pdf') return openPdf(path, maxPixels);
  const bytes = await readFile(path);
  switch (from) {
    case 'image/heic':
      return openHeic(bytes, maxPixels);
    case 'image/bmp': {
      const { width, height } = bmpSize(bytes);
      checkPixels(width, height, maxPixels);
      const raw = bmpPixels(bytes);
      return single({
        image: sharp(raw.data, {
          raw: { width: raw.width, height: raw.height, channels: raw.channels },
          limitInputPixels: maxPixels,
        }).removeAlpha(),
        width: raw.width,
        height: raw.height,
        bilevel: false,
      });
    }
    default:
      return openRaster(bytes, from, maxPixels);
  }
}

function single(page: SourcePage): PageSource {
  return {
    pages: 1,
    hasText: false,
    page: async () => ({ ...page, image: page.image.clone() }),
    pointSize: () => undefined,
    close: () => undefined,
  };
}

async function openRaster(
  bytes: Buffer,
  from: SniffedType,
  maxPixels: number,
): Promise<PageSource> {
  let meta;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new UnreadableImageError(`The ${nameOf(from)} is damaged or not readable.`, {
      key: 'prep.unreadable',
      params: { type: { key: `fileType.${typeKey(from)}` } },
    });
  }
  // GIF and WebP may be animated: the first frame is the picture.
  const pages = from === 'image/tiff' ? (meta.pages ?? 1) : 1;
  return {
    pages,
    hasText: false,
    async page(index) {
      const m = index === 0 ? meta : await sharp(bytes, { page: index }).metadata();
      // A multi-page file reports the first page's height for every page; each page is read alone.
      checkPixels(m.width, m.pageHeight ?? m.height, maxPixels);
      const sideways = (m.orientation ?? 1) >= 5;
      const width = sideways ? (m.pageHeight ?? m.height) : m.width;
      const height = sideways ? m.width : (m.pageHeight ?? m.height);
      const image = sharp(bytes, { page: index, pages: 1, limitInputPixels: maxPixels })
        .autoOrient()
        .flatten({ background: WHITE });
      const dpi = m.density && m.density >= 50 && m.density <= 2400 ? m.density : undefined;
      const bilevel = m.bitsPerSample === 1 || (m.space === 'b-w' && m.bitsPerSample === 1);
      return { image, width, height, dpi, bilevel };
    },
    pointSize: () => undefined,
    close: () => undefined,
  };
}

async function openHeic(bytes: Buffer, maxPixels: number): Promise<PageSource> {
  let images;
  try {
    // Loaded when first needed: libheif is large, and most scans are not HEIC.
    const { default: decodeHeic } = await import('heic-decode');
    images = await decodeHeic.all({ buffer: bytes });
  } catch {
    throw new UnreadableImageError('The HEIC photo is damaged or not readable.', {
      key: 'prep.unreadable',
      params: { type: { key: 'fileType.heic' } },
    });
  }
  try {
    const first = images[0];
    checkPixels(first.width, first.height, maxPixels);
    const { width, height, data } = await first.decode();
    const image = sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
      raw: { width, height, channels: 4 },
      limitInputPixels: maxPixels,
    }).flatten({ background: WHITE });
    return single({ image, width, height, bilevel: false });
  } finally {
    images.dispose();
  }
}

let pdfium: Promise<PDFiumLibrary> | undefined;

async function openPdf(path: string, maxPixels: number): Promise<PageSource> {
  const doc = await PdfFile.read(path);
  const pages = doc.pageCount;
  let hasText = false;
  const sizes: { width: number; height: number }[] = [];
  /** Pages that are one image and nothing else (what scanners write). */
  const single = new Set<number>();
  for (let i = 0; i < pages; i++) {
    const page = doc.page(i);
    const { originalWidth, originalHeight } = page.getOriginalSize();
    sizes.push({ width: originalWidth, height: originalHeight });
    const objects = [...page.objects()];
    if (objects.some((object) => object.type === 'text')) hasText = true;
    if (objects.length === 1 && objects[0].type === 'image') single.add(i);
    closePage(page);
  }
  return {
    pages,
    hasText,
    async page(index, dpi = 200) {
      const size = sizes[index];
      const scale = dpi / 72;
      checkPixels(Math.floor(size.width * scale), Math.floor(size.height * scale), maxPixels);
      const scan = single.has(index) ? await scannedJpeg(doc, index, size, maxPixels) : undefined;
      if (scan) {
        // libvips decodes the page's own JPEG, shrinking while it loads: far faster than
        // pdfium rendering it in WebAssembly, and the same pixels.
        const width = Math.min(scan.width, Math.round(size.width * scale));
        const height = Math.min(scan.height, Math.round(size.height * scale));
        const image = sharp(scan.jpeg, { limitInputPixels: maxPixels, failOn: 'none' })
          .resize(width, height, { fit: 'fill' })
          .flatten({ background: WHITE });
        return { image, width, height, dpi: Math.round((width / size.width) * 72), bilevel: false };
      }
      const rendered = await doc.page(index).render({ scale, colorSpace: 'BGRA' });
      // The render flags ask pdfium for RGBA byte order; white is filled in behind.
      const image = sharp(
        Buffer.from(rendered.data.buffer, rendered.data.byteOffset, rendered.data.byteLength),
        {
          raw: { width: rendered.width, height: rendered.height, channels: 4 },
          limitInputPixels: maxPixels,
        },
      ).flatten({ background: WHITE });
      return { image, width: rendered.width, height: rendered.height, dpi, bilevel: false };
    },
    pointSize: (index) => sizes[index],
    close: () => doc.close(),
  };
}

/** The parts of the pdfium wrapper (pinned 2.1) that loading from a file needs. */
interface PdfiumModule {
  HEAPU8: Uint8Array;
  wasmExports: { malloc(size: number): number; free(ptr: number): void };
  _FPDF_LoadMemDocument(ptr: number, size: number, password: number): number;
}

const READ_CHUNK = 4 * 1024 * 1024;
/**
 * pdfium keeps every object it has parsed (a scan's page image among them) until
 * the document closes: the document is opened afresh after this many pages, so
 * its heap holds a few pages' worth, not the whole file's twice.
 */
const PAGES_PER_OPENING = 4;

/**
 * A PDF whose bytes are read from the file directly into pdfium's WebAssembly
 * heap, once: the wrapper's loadDocument wants the whole file as a JavaScript
 * buffer first and copies it in, and that second 30 MB copy stays until a
 * garbage collection that a worker with little JavaScript heap seldom runs.
 * Pages are loaded through `page()`, one at a time, each closed before the next.
 */
class PdfFile {
  private doc: PDFiumDocument;
  private loaded = 0;

  private constructor(
    private readonly module: PdfiumModule,
    private readonly Document: typeof PDFiumDocument,
    private readonly ptr: number,
    private readonly size: number,
  ) {
    this.doc = this.open();
  }

  static async read(path: string): Promise<PdfFile> {
    const { PDFiumDocument, PDFiumLibrary } = await import('@hyzyla/pdfium');
    pdfium ??= PDFiumLibrary.init();
    const module = ((await pdfium) as unknown as { module: PdfiumModule }).module;
    const file = await open(path);
    let ptr = 0;
    try {
      const { size } = await file.stat();
      ptr = module.wasmExports.malloc(Math.max(1, size));
      if (!ptr)
        throw new UnreadableImageError('The PDF is too large to open.', {
          key: 'prep.unreadable',
          params: { type: { key: 'fileType.pdf' } },
        });
      for (let at = 0; at < size;) {
        // HEAPU8 is read afresh for each chunk: the heap's buffer is replaced whenever it grows.
        const length = Math.min(READ_CHUNK, size - at);
        const { bytesRead } = await file.read(module.HEAPU8, ptr + at, length, at);
        if (!bytesRead)
          throw new UnreadableImageError('The PDF is damaged or not readable.', {
            key: 'prep.unreadable',
            params: { type: { key: 'fileType.pdf' } },
          });
        at += bytesRead;
      }
      const pdf = new PdfFile(module, PDFiumDocument, ptr, size);
      ptr = 0;
      return pdf;
    } finally {
      if (ptr) module.wasmExports.free(ptr);
      await file.close();
    }
  }

  /** A handle on the bytes; it does not own them (pdfium's free of pointer 0 does nothing). */
  private open(): PDFiumDocument {
    const index = this.module._FPDF_LoadMemDocument(this.ptr, this.size, 0);
    if (!index)
      throw new UnreadableImageError('The PDF is damaged or not readable.', {
        key: 'prep.unreadable',
        params: { type: { key: 'fileType.pdf' } },
      });
    return new this.Document({ module: this.module as never, documentIdx: index, documentPtr: 0 });
  }

  get pageCount(): number {
    return this.doc.getPageCount();
  }

  /** Page `index`, loaded; the caller closes it before asking for the next. */
  page(index: number): PDFiumPage {
    if (this.loaded++ >= PAGES_PER_OPENING) {
      this.doc.destroy();
      this.doc = this.open();
      this.loaded = 1;
    }
    return this.doc.getPage(index);
  }

  close(): void {
    this.doc.destroy();
    this.module.wasmExports.free(this.ptr);
  }
}

/**
 * The JPEG of a page that is only that JPEG, when it fills the page (same
 * shape): a scanner's page. Anything else (a logo on a blank page, a rotated
 * page, other filters) is rendered instead.
 */
async function scannedJpeg(
  doc: PdfFile,
  index: number,
  page: { width: number; height: number },
  maxPixels: number,
): Promise<{ jpeg: Buffer; width: number; height: number } | undefined> {
  const loaded = doc.page(index);
  let raw;
  try {
    const [object] = [...loaded.objects()];
    if (object?.type !== 'image') return undefined;
    raw = await object.getImageDataRaw();
  } catch {
    return undefined;
  } finally {
    closePage(loaded);
  }
  if (raw.filters.length !== 1 || raw.filters[0] !== 'DCTDecode') return undefined;
  if (Math.abs(raw.width / raw.height - page.width / page.height) > 0.02) return undefined;
  if (raw.width * raw.height > maxPixels) throw new TooManyPixelsError(raw.width, raw.height);
  const jpeg = Buffer.from(raw.data.buffer, raw.data.byteOffset, raw.data.byteLength);
  return { jpeg, width: raw.width, height: raw.height };
}

/**
 * Unloads a page pdfium loaded: the wrapper closes pages only after rendering,
 * so looking at 50 pages would keep 50 parsed pages in its heap. Reaches its
 * private handle (pinned version 2.1); a later version without it just keeps them.
 */
function closePage(page: PDFiumPage): void {
  const inner = page as unknown as {
    module?: { _FPDF_ClosePage?: (handle: number) => void };
    pageIdx?: number;
  };
  if (typeof inner.pageIdx === 'number') inner.module?._FPDF_ClosePage?.(inner.pageIdx);
}

function nameOf(from: SniffedType): string {
  return describeType(from);
}
