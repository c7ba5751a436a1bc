import type { SeededRandom } from './seeded-random.js';

/**
 * Small scans the engine accepts as complete: a one-page PDF with an xref
 * table, a baseline JPEG header, a one-row PNG. Each carries a marker that
 * survives merging into an entry's PDF (a PDF's content stream and a JPEG's
 * bytes are copied as they are; a PNG's pixels come back from the Flate
 * stream), so the checkers can tell which scans an image holds.
 */

export type DocType = 'pdf' | 'jpeg' | 'png';

export interface Doc {
  type: DocType;
  /** Unique in a run: found again in any image that holds this scan. */
  marker: string;
  bytes: Uint8Array;
}

const latin1 = (s: string): Uint8Array => Buffer.from(s, 'latin1');

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function makeDoc(type: DocType, marker: string, random: SeededRandom): Doc {
  switch (type) {
    case 'pdf':
      return { type, marker, bytes: makePdf(marker, random.int(0, 40)) };
    case 'jpeg':
      return { type, marker, bytes: makeJpeg(marker, random.int(16, 3000), random) };
    case 'png':
      return { type, marker, bytes: makePng(marker) };
  }
}

/** A one-page PDF whose text is the marker, padded with `lines` extra text lines. */
export function makePdf(marker: string, lines: number): Uint8Array {
  const text = [`BT /F1 12 Tf 72 720 Td (${marker}) Tj ET`];
  for (let i = 0; i < lines; i++)
    text.push(`BT /F1 9 Tf 72 ${700 - i * 12} Td (line ${i} of ${marker}) Tj ET`);
  const stream = text.join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) body += `${String(off).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return latin1(body);
}

/** SOI, a comment holding the marker, SOF0 (8×8 grey), SOS, scan bytes, EOI. */
export function makeJpeg(marker: string, scanBytes: number, random: SeededRandom): Uint8Array {
  const comment = latin1(marker);
  const com = [0xff, 0xfe, (comment.length + 2) >> 8, (comment.length + 2) & 0xff];
  const sof = [0xff, 0xc0, 0, 11, 8, 0, 8, 0, 8, 1, 1, 0x11, 0];
  const sos = [0xff, 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0];
  // Entropy-coded data never holds a bare 0xFF: it would read as a marker (and FF D9 as the end).
  const scan = random.bytes(scanBytes).map((b) => (b === 0xff ? 0xfe : b));
  return concat([
    Uint8Array.from([0xff, 0xd8]),
    Uint8Array.from(com),
    comment,
    Uint8Array.from(sof),
    Uint8Array.from(sos),
    scan,
    Uint8Array.from([0xff, 0xd9]),
  ]);
}

/** A one-row RGB PNG whose pixel bytes spell the marker. */
export function makePng(marker: string): Uint8Array {
  const pixels = latin1(marker.padEnd(Math.ceil(marker.length / 3) * 3, '.'));
  const width = pixels.length / 3;
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, 1);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = concat([Uint8Array.of(0), pixels]);
  return concat([
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', storedZlib(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/**
 * A zlib stream of one stored (uncompressed) block: valid for every PNG reader,
 * and far cheaper to make than real compression for hundreds of scans a seed.
 */
function storedZlib(data: Uint8Array): Uint8Array {
  const head = Uint8Array.of(
    0x78,
    0x01,
    0x01,
    data.length & 0xff,
    data.length >> 8,
    ~data.length & 0xff,
    (~data.length >> 8) & 0xff,
  );
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  const adler = new Uint8Array(4);
  new DataView(adler.buffer).setUint32(0, ((b << 16) | a) >>> 0);
  return concat([head, data, adler]);
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const head = new Uint8Array(8);
  const view = new DataView(head.buffer);
  view.setUint32(0, data.length);
  head.set(latin1(type), 4);
  const crc = new Uint8Array(4);
  new DataView(crc.buffer).setUint32(0, crc32(concat([latin1(type), data])));
  return concat([head, data, crc]);
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Where a page-by-page writer may pause: never at a point that already looks complete. */
export function pageCuts(doc: Doc, pieces: number, random: SeededRandom): number[] {
  const cuts = new Set<number>();
  const last = doc.bytes.length - 8; // the end marker (%%EOF, FF D9, IEND) arrives last
  for (let i = 1; i < pieces && last > 20; i++) cuts.add(random.int(16, last));
  return [...cuts].sort((a, b) => a - b).concat(doc.bytes.length);
}
