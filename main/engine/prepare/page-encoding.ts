import { deflateSync } from 'node:zlib';
import {
  concatTransformationMatrix,
  drawObject,
  PDFDocument,
  popGraphicsState,
  pushGraphicsState,
} from 'pdf-lib';
import type { SourcePage } from './page-source.js';
import { imagePageSize } from '../merge/page-size.js';

/**
 * A page turned into bytes Concur takes: JPEG for photos and colour, PNG for
 * line art, and for several pages one PDF (pdf-lib), each page the size of
 * the paper it was scanned from. Black-and-white pages go into PDFs as 1-bit
 * Flate images, as small as the G4 TIFF they came from would be as a PNG.
 */

/** How hard to squeeze: JPEG quality, and scale of the pixels (1 = as scanned). */
export interface Squeeze {
  quality: number;
  scale: number;
}

export const AS_IS: Squeeze = { quality: 85, scale: 1 };

/** Never smaller than about 200 dpi on an A4 page: the receipt must stay legible. */
export const MIN_SHORT_SIDE = 1654;
export const MIN_LONG_SIDE = 2339;

/** The smallest scale that keeps a page at or above ~200 dpi for A4 (1 if it is smaller already). */
export function floorScale(width: number, height: number): number {
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  return Math.min(1, Math.max(MIN_SHORT_SIDE / short, MIN_LONG_SIDE / long));
}

function scaled(page: SourcePage, scale: number) {
  if (scale >= 1) return page.image.clone();
  return page.image
    .clone()
    .resize(Math.round(page.width * scale), Math.round(page.height * scale), { fit: 'fill' });
}

export async function jpegBytes(page: SourcePage, squeeze: Squeeze): Promise<Buffer> {
  return scaled(page, squeeze.scale)
    .jpeg({
      quality: squeeze.quality,
      chromaSubsampling: '4:2:0',
      mozjpeg: false,
      // Optimised Huffman tables need a second pass over the whole page, so libjpeg holds
      // every coefficient of it (26 MB for a 300 dpi A4 page) in each thread that encodes;
      // without them a page streams through in a few MB, for a file about 15% larger.
      optimiseCoding: false,
    })
    .toBuffer();
}

/** Line art as PNG: grey with a small palette keeps strokes sharp and the file small. */
export async function pngBytes(page: SourcePage, squeeze: Squeeze): Promise<Buffer> {
  return scaled(page, squeeze.scale)
    .greyscale()
    .png({ palette: true, colours: page.bilevel ? 2 : 16, compressionLevel: 9 })
    .toBuffer();
}

/** The paper size of a page in points: from its dpi when known, else fitted to A4. */
export function paperSize(page: SourcePage): { width: number; height: number } {
  if (page.dpi)
    return { width: (page.width / page.dpi) * 72, height: (page.height / page.dpi) * 72 };
  return imagePageSize(page.width, page.height);
}

/** A PDF built one page at a time; each page's pixels are dropped once embedded. */
export class PdfPages {
  private constructor(private readonly doc: PDFDocument) {}

  static async create(): Promise<PdfPages> {
    const doc = await PDFDocument.create();
    doc.setProducer('Concur Drop');
    doc.setCreator('Concur Drop');
    return new PdfPages(doc);
  }

  get count(): number {
    return this.doc.getPageCount();
  }

  async addJpeg(jpeg: Uint8Array, size: { width: number; height: number }): Promise<void> {
    const image = await this.doc.embedJpg(jpeg);
    this.doc.addPage([size.width, size.height]).drawImage(image, { x: 0, y: 0, ...size });
  }

  /** A black-and-white page as a 1-bit image (white = 1), Flate-compressed by zlib. */
  async addBilevel(
    page: SourcePage,
    squeeze: Squeeze,
    size: { width: number; height: number },
  ): Promise<number> {
    const { data, info } = await scaled(page, squeeze.scale)
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const rowBytes = Math.ceil(info.width / 8);
    const bits = Buffer.alloc(rowBytes * info.height);
    for (let y = 0; y < info.height; y++)
      for (let x = 0; x < info.width; x++)
        if (data[(y * info.width + x) * info.channels] >= 128)
          bits[y * rowBytes + (x >> 3)] |= 0x80 >> (x & 7);
    const { context } = this.doc;
    const stream = context.stream(deflateSync(bits), {
      Type: 'XObject',
      Subtype: 'Image',
      Width: info.width,
      Height: info.height,
      ColorSpace: 'DeviceGray',
      BitsPerComponent: 1,
      Filter: 'FlateDecode',
    });
    const ref = context.register(stream);
    const pdfPage = this.doc.addPage([size.width, size.height]);
    const name = pdfPage.node.newXObject('Scan', ref);
    pdfPage.pushOperators(
      pushGraphicsState(),
      concatTransformationMatrix(size.width, 0, 0, size.height, 0, 0),
      drawObject(name),
      popGraphicsState(),
    );
    return stream.getContentsSize();
  }

  /** Copies pages of an existing PDF as they are (a stack split without re-rendering). */
  async copyFrom(source: PDFDocument, indices: number[]): Promise<void> {
    for (const page of await this.doc.copyPages(source, indices)) this.doc.addPage(page);
  }

  async bytes(): Promise<Uint8Array> {
    return this.doc.save({ useObjectStreams: false });
  }
}
