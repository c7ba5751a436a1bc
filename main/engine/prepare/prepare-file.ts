import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { describeType, typeKey } from '../inspect/file-type.js';
import type { Message } from '../i18n/translate.js';
import type { ContentType } from '../types.js';
import { UnreadableImageError } from './bmp-pixels.js';
import { lookAt, type PageLook } from './page-look.js';
import {
  AS_IS,
  floorScale,
  jpegBytes,
  paperSize,
  PdfPages,
  pngBytes,
  type Squeeze,
} from './page-encoding.js';
import { openSource, type PageSource, type SourcePage } from './page-source.js';
import type { PrepareRequest, PrepareResult, PreparedPart } from './prepare-types.js';

/**
 * Turns one source file into the parts Concur gets (docs/architecture.md#preparing-scans):
 * converted to JPEG, PNG or PDF, blank pages dropped, split into receipts, and
 * shrunk under the limit only when it is over. Runs in the preparing worker,
 * one page in memory at a time.
 */

/** PDF pages are re-rendered at this resolution: legible receipts, reasonable files. */
const RENDER_DPI = 200;
/** JPEG quality never goes below this: receipts stay readable. */
const LOWEST_QUALITY = 40;
/** Looking for blank pages needs far less. */
const LOOK_DPI = 100;
/** Room left under the limit for what a PDF adds around its pages. */
const HEADROOM = 0.98;

type Built = { bytes: Uint8Array; contentType: ContentType };

class TooLargeError extends Error {
  constructor(
    message: string,
    readonly text: Message,
  ) {
    super(message);
  }
}

export async function prepareFile(req: PrepareRequest): Promise<PrepareResult> {
  let source: PageSource;
  try {
    source = await openSource(req.path, req.from, req.maxPixels);
  } catch (error) {
    if (error instanceof UnreadableImageError)
      return { ok: false, reason: error.message, code: 'unsupported-type', text: error.text };
    throw error;
  }
  try {
    return await prepareSource(req, source);
  } catch (error) {
    if (error instanceof UnreadableImageError)
      return { ok: false, reason: error.message, code: 'unsupported-type', text: error.text };
    if (error instanceof TooLargeError)
      return { ok: false, reason: error.message, code: 'too-large', text: error.text };
    // A decoder that gives up midway (a cut-off or damaged file): plain words, the detail logged.
    const detail = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      reason: damaged(req.from),
      code: 'convert-failed',
      detail,
      text: { key: 'prep.damaged', params: { type: { key: `fileType.${typeKey(req.from)}` } } },
    };
  } finally {
    source.close();
  }
}

async function prepareSource(req: PrepareRequest, source: PageSource): Promise<PrepareResult> {
  const { size } = await stat(req.path);
  const isPdf = req.from === 'application/pdf';
  const looks = await lookAtPages(req, source, isPdf);
  const { groups, dropped } = groupPages(req, source.pages, looks);
  if (!groups.length)
    return {
      ok: false,
      reason: `Every page of this file is blank (${source.pages} ${plural(source.pages, 'page')}); nothing was uploaded.`,
      code: 'unsupported-type',
      text: { key: 'prep.allBlank', params: { count: source.pages } },
    };
  const built: { bytes: Uint8Array; contentType: ContentType; pages: number[] }[] = [];
  // pdf-lib parses the whole file: only when pages are copied, not for a scan re-rendered.
  let parsed: Promise<PDFDocument> | undefined;
  const pdf = isPdf
    ? () =>
        (parsed ??= readFile(req.path).then((b) => PDFDocument.load(b, { updateMetadata: false })))
    : null;
  for (const group of groups) {
    for (const part of await buildGroup(req, source, pdf, group, looks, size, groups.length === 1))
      built.push(part);
  }
  const parts: PreparedPart[] = [];
  let total = 0;
  for (const [i, part] of built.entries()) {
    const ext =
      part.contentType === 'application/pdf'
        ? 'pdf'
        : part.contentType === 'image/png'
          ? 'png'
          : 'jpg';
    const path = join(req.outDir, `${req.outStem}-${i + 1}.${ext}`);
    await writeFile(path, part.bytes);
    parts.push({
      path,
      contentType: part.contentType,
      size: part.bytes.length,
      pages: part.pages.map((p) => p + 1),
    });
    total += part.bytes.length;
  }
  return {
    ok: true,
    parts,
    note: describe(req, source.pages, size, total, dropped, groups.length, parts.length),
    noteText: noteMessages(req, source.pages, size, total, dropped, groups.length, parts.length),
  };
}

/** Looks at every page only when something depends on it. */
async function lookAtPages(
  req: PrepareRequest,
  source: PageSource,
  isPdf: boolean,
): Promise<(PageLook | undefined)[]> {
  const stacks = req.split !== 'none' || req.blankPages === 'drop';
  const looks: (PageLook | undefined)[] = [];
  for (let i = 0; i < source.pages; i++) {
    // PDF pages are not looked at for their kind: they are rendered as JPEG.
    if (!stacks && isPdf) looks.push(undefined);
    else looks.push(await lookAt(await source.page(i, LOOK_DPI)));
  }
  return looks;
}

function groupPages(
  req: PrepareRequest,
  pages: number,
  looks: (PageLook | undefined)[],
): { groups: number[][]; dropped: number } {
  const groups: number[][] = [];
  let current: number[] = [];
  let dropped = 0;
  for (let i = 0; i < pages; i++) {
    const blank = looks[i]?.blank === true;
    if (blank && req.split === 'separator') {
      // A blank sheet ends one receipt; several in a row still end just one.
      if (current.length) groups.push(current);
      current = [];
      dropped++;
      continue;
    }
    if (blank && req.blankPages === 'drop') {
      dropped++;
      continue;
    }
    current.push(i);
    if (req.split === 'page') {
      groups.push(current);
      current = [];
    }
  }
  if (current.length) groups.push(current);
  return { groups, dropped };
}

/** The steps tried, in order, until the pages fit: quality first, then pixels down to ~200 dpi. */
function squeezes(first: SourcePage): Squeeze[] {
  const floor = floorScale(first.width, first.height);
  const steps: Squeeze[] = [AS_IS, { quality: 70, scale: 1 }, { quality: 55, scale: 1 }];
  for (const scale of [0.8, 0.64, 0.5]) if (scale > floor) steps.push({ quality: 55, scale });
  if (floor < 1) steps.push({ quality: 50, scale: floor }, { quality: 40, scale: floor });
  return steps;
}

/** Rendered PDF pages start at 200 dpi already: only their quality steps down. */
const RENDERED: Squeeze[] = [
  { quality: 70, scale: 1 },
  { quality: 55, scale: 1 },
  { quality: 40, scale: 1 },
];

async function buildGroup(
  req: PrepareRequest,
  source: PageSource,
  pdf: (() => Promise<PDFDocument>) | null,
  group: number[],
  looks: (PageLook | undefined)[],
  sourceSize: number,
  whole: boolean,
): Promise<{ bytes: Uint8Array; contentType: ContentType; pages: number[] }[]> {
  const budget = req.maxBytes * HEADROOM;
  if (pdf) {
    // Pages of a PDF are copied as they are when that fits: nothing is lost.
    const untouched = whole && group.length === source.pages;
    if (!untouched || source.hasText) {
      const copy = await PdfPages.create();
      await copy.copyFrom(await pdf(), group);
      const bytes = await copy.bytes();
      if (bytes.length <= req.maxBytes || !req.shrink)
        return tooLargeUnless(req, sourceSize, [
          { bytes, contentType: 'application/pdf', pages: group },
        ]);
    } else if (sourceSize <= req.maxBytes || !req.shrink) {
      return tooLargeUnless(req, sourceSize, []);
    }
  }
  const steps = pdf ? RENDERED : squeezes(await source.page(group[0]));
  let last: Built | undefined;
  for (const squeeze of steps) {
    if (!req.shrink && squeeze !== steps[0]) break;
    last = await encodeGroup(source, group, looks, squeeze, pdf !== null, budget);
    if (last.bytes.length <= budget || (!req.shrink && last.bytes.length <= req.maxBytes))
      return [{ ...last, pages: group }];
  }
  const squeeze = steps[steps.length - 1];
  if (req.mayAppendParts && group.length > 1 && req.shrink)
    return splitToFit(source, group, looks, squeeze, pdf !== null, budget, sourceSize, req);
  throw new TooLargeError(...tooLargeReason(req, sourceSize, last?.bytes.length));
}

function tooLargeUnless(
  req: PrepareRequest,
  sourceSize: number,
  parts: { bytes: Uint8Array; contentType: ContentType; pages: number[] }[],
) {
  for (const part of parts)
    if (part.bytes.length > req.maxBytes)
      throw new TooLargeError(...tooLargeReason(req, sourceSize, part.bytes.length));
  if (!parts.length) throw new TooLargeError(...tooLargeReason(req, sourceSize, undefined));
  return parts;
}

function tooLargeReason(
  req: PrepareRequest,
  sourceSize: number,
  best: number | undefined,
): [string, Message] {
  const size = mbMessage(sourceSize);
  if (!req.shrink)
    return [
      `The file is ${megabytes(sourceSize)}; Concur accepts at most 10 MB (shrinking is turned off in the settings).`,
      { key: 'prep.tooLargeNoShrink', params: { size } },
    ];
  const tried =
    best !== undefined
      ? `; shrunk as far as it stays legible (about 200 dpi) it is still ${megabytes(best)}`
      : '';
  return [
    `The file is ${megabytes(sourceSize)}${tried}. Concur accepts at most 10 MB per image: scan it in colour at a lower resolution, or in black and white.`,
    best !== undefined
      ? { key: 'prep.tooLargeShrunk', params: { size, best: mbMessage(best) } }
      : { key: 'prep.tooLarge', params: { size } },
  ];
}

/** Megabytes as the catalogs word them (`size.mb`), rounded as `megabytes` rounds. */
function mbMessage(bytes: number): Message {
  return { key: 'size.mb', params: { n: Math.round((bytes / (1024 * 1024)) * 10) / 10 } };
}

async function encodeGroup(
  source: PageSource,
  group: number[],
  looks: (PageLook | undefined)[],
  squeeze: Squeeze,
  rendered: boolean,
  budget = Infinity,
): Promise<Built> {
  if (group.length === 1 && !rendered) {
    const page = await source.page(group[0]);
    const look = looks[group[0]] ?? (await lookAt(page));
    if (look.lineArt && squeeze === AS_IS)
      return { bytes: await pngBytes(page, squeeze), contentType: 'image/png' };
    return { bytes: await jpegBytes(page, squeeze), contentType: 'image/jpeg' };
  }
  const out = await PdfPages.create();
  let quality = squeeze.quality;
  let total = 0;
  for (const [done, index] of group.entries()) {
    total += await addPage(out, source, index, { ...squeeze, quality }, rendered);
    // Heading over the budget: the pages still to come go smaller, rather than all pages twice.
    if ((total / (done + 1)) * group.length > budget && quality > LOWEST_QUALITY)
      quality = Math.max(LOWEST_QUALITY, quality - 15);
  }
  return { bytes: await out.bytes(), contentType: 'application/pdf' };
}

async function addPage(
  out: PdfPages,
  source: PageSource,
  index: number,
  squeeze: Squeeze,
  rendered: boolean,
): Promise<number> {
  const page = await source.page(index, RENDER_DPI);
  const size = (rendered && source.pointSize(index)) || paperSize(page);
  if (page.bilevel) return out.addBilevel(page, squeeze, size);
  const jpeg = await jpegBytes(page, squeeze);
  await out.addJpeg(jpeg, size);
  return jpeg.length;
}

/** A report appends: pages go in order, as many per part as fit. */
async function splitToFit(
  source: PageSource,
  group: number[],
  looks: (PageLook | undefined)[],
  squeeze: Squeeze,
  rendered: boolean,
  budget: number,
  sourceSize: number,
  req: PrepareRequest,
): Promise<{ bytes: Uint8Array; contentType: ContentType; pages: number[] }[]> {
  const parts: { bytes: Uint8Array; contentType: ContentType; pages: number[] }[] = [];
  let pages: number[] = [];
  let estimate = 0;
  const flush = async () => {
    if (!pages.length) return;
    const built = await encodeGroup(source, pages, looks, squeeze, true);
    parts.push({ ...built, pages });
    pages = [];
    estimate = 0;
  };
  for (const index of group) {
    const page = await source.page(index, RENDER_DPI);
    const bytes = page.bilevel
      ? (page.width * page.height) / 40
      : (await jpegBytes(page, squeeze)).length;
    if (bytes > budget) throw new TooLargeError(...tooLargeReason(req, sourceSize, bytes));
    if (estimate + bytes > budget) await flush();
    pages.push(index);
    estimate += bytes;
  }
  await flush();
  void rendered;
  return parts;
}

function describe(
  req: PrepareRequest,
  pages: number,
  sourceSize: number,
  total: number,
  dropped: number,
  groups: number,
  parts: number,
): string {
  const notes: string[] = [];
  if (!['application/pdf', 'image/jpeg', 'image/png'].includes(req.from))
    notes.push(`converted from ${shortName(req.from)}${pages > 1 ? ` (${pages} pages)` : ''}`);
  if (sourceSize > req.maxBytes)
    notes.push(`shrunk from ${megabytes(sourceSize)} to ${megabytes(total)}`);
  if (dropped && req.split !== 'separator')
    notes.push(`${dropped} blank ${plural(dropped, 'page')} dropped`);
  if (req.split !== 'none' && groups > 1) notes.push(`split into ${groups} receipts`);
  else if (parts > 1) notes.push(`sent in ${parts} parts (too large for one image)`);
  return notes.join(', ');
}

/**
 * The note as catalog keys, built as plain objects: the worker does not load the catalogs
 * (docs/architecture.md#languages).
 */
function noteMessages(
  req: PrepareRequest,
  pages: number,
  sourceSize: number,
  total: number,
  dropped: number,
  groups: number,
  parts: number,
): Message[] {
  const mb = mbMessage;
  const notes: Message[] = [];
  if (!['application/pdf', 'image/jpeg', 'image/png'].includes(req.from))
    notes.push({
      key: pages > 1 ? 'prep.convertedPages' : 'prep.converted',
      params: { type: shortName(req.from), n: pages },
    });
  if (sourceSize > req.maxBytes)
    notes.push({ key: 'prep.shrunk', params: { from: mb(sourceSize), to: mb(total) } });
  if (dropped && req.split !== 'separator')
    notes.push({ key: 'prep.blankDropped', params: { count: dropped } });
  if (req.split !== 'none' && groups > 1) notes.push({ key: 'prep.split', params: { n: groups } });
  else if (parts > 1) notes.push({ key: 'prep.parts', params: { n: parts } });
  return notes;
}

function damaged(from: PrepareRequest['from']): string {
  return `The ${from === 'application/pdf' ? 'PDF' : describeType(from)} is damaged or cut off; it could not be converted for Concur.`;
}

function shortName(from: PrepareRequest['from']): string {
  return describeType(from).replace(/ (image|photo)$/, '');
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

export function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
