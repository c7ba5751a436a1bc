import { randomBytes, randomUUID } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import { sniffContentType } from '../engine/inspect/file-type.js';
import { CONCUR_ID } from '../engine/settings/schema.js';

/**
 * Concur's Image service rules (docs/architecture.md#concurs-rules), as pure functions the sandbox
 * server applies in order: route, authorization, framing, type, size, content.
 */

/** The four places an image can go. */
export type SandboxTargetKind = 'receipt' | 'report' | 'entry' | 'invoice';

export interface ImageRoute {
  kind: SandboxTargetKind;
  version: 'v1.0' | 'v1.1';
  /** Decoded id; undefined for the receipt store. */
  id?: string;
}

/** A refusal, answered as Concur's `<Error>` XML. */
export interface Refusal {
  status: number;
  message: string;
}

const ROUTE = /^\/api\/image\/(v1\.[01])\/(receipt|report|expenseentry|invoice)(?:\/([^/]*))?\/?$/i;

/** True for any path under the Image API (counted by requests(), faults apply). */
export function isImagePath(pathname: string): boolean {
  return /^\/api\/image\//i.test(pathname);
}

/** Matches a path to one of the four endpoints, or says why it cannot (404). */
export function matchRoute(pathname: string): ImageRoute | Refusal {
  const m = ROUTE.exec(pathname);
  if (!m) return { status: 404, message: 'The requested resource was not found.' };
  const version = m[1].toLowerCase() as 'v1.0' | 'v1.1';
  const word = m[2].toLowerCase();
  const kind: SandboxTargetKind = word === 'expenseentry' ? 'entry' : (word as SandboxTargetKind);
  // The docs use v1.1 for invoices and list v1.0 too; everything else is v1.0 only.
  if (version === 'v1.1' && kind !== 'invoice')
    return { status: 404, message: 'The requested resource was not found.' };
  if (kind === 'receipt') {
    return m[3] === undefined || m[3] === ''
      ? { kind, version }
      : { status: 404, message: 'The requested resource was not found.' };
  }
  let id: string;
  try {
    id = decodeURIComponent(m[3] ?? '');
  } catch {
    id = '';
  }
  if (!CONCUR_ID.test(id)) {
    const what = kind === 'entry' ? 'expense entry' : kind;
    return { status: 404, message: `The ${what} with id "${id}" was not found.` };
  }
  return { kind, version, id };
}

/** 401 without a well-formed `OAuth|Bearer <token>` header, 403 for the wrong token. */
export function checkAuthorization(header: string | undefined, token: string): Refusal | null {
  const m = /^(OAuth|Bearer) +(\S+)\s*$/i.exec(header ?? '');
  if (!m) return { status: 401, message: 'Authorization header is missing or malformed.' };
  if (m[2] !== token)
    return { status: 403, message: 'The OAuth token is invalid, expired or has been revoked.' };
  return null;
}

/** The media types Concur takes. */
export type ImageType = 'application/pdf' | 'image/jpeg' | 'image/png';

/** The declared media type, with Concur's `image/jpg` alias folded in; null if not allowed. */
export function declaredType(header: string | undefined): ImageType | null {
  const media = (header ?? '').split(';')[0].trim().toLowerCase();
  if (media === 'image/jpg') return 'image/jpeg';
  if (media === 'application/pdf' || media === 'image/jpeg' || media === 'image/png') return media;
  return null;
}

/** Framing: never chunked, and an exact numeric Content-Length within the limit. */
export function checkFraming(
  headers: { 'transfer-encoding'?: string; 'content-length'?: string },
  maxBytes: number,
): Refusal | { length: number } {
  if (headers['transfer-encoding'])
    return {
      status: 400,
      message: 'Chunked transfer encoding is not supported: send the image with a Content-Length.',
    };
  const raw = headers['content-length'];
  if (raw === undefined) return { status: 400, message: 'The Content-Length header is required.' };
  if (!/^\d+$/.test(raw.trim()))
    return { status: 400, message: 'The Content-Length header is invalid.' };
  const length = Number(raw);
  if (length === 0) return { status: 400, message: 'The request contains no image.' };
  if (length > maxBytes)
    return {
      status: 400,
      message: `The image is larger than the maximum size of ${Math.round(maxBytes / 1024 / 1024)} MB.`,
    };
  return { length };
}

/** The body must be what the Content-Type says, and a PDF must not be encrypted. */
export function checkContent(body: Buffer, declared: ImageType): Refusal | null {
  const actual = sniffContentType(body.subarray(0, 16));
  if (actual !== declared)
    return {
      status: 400,
      message: `The image data does not match the Content-Type ${declared}.`,
    };
  if (declared === 'application/pdf' && body.includes('/Encrypt'))
    return {
      status: 400,
      message: 'The PDF is encrypted or password protected. PDF images cannot be encrypted.',
    };
  return null;
}

/** Page count of a PDF: `/Type /Page` objects (not `/Pages`), else pdf-lib for compressed ones. */
export async function countPdfPages(body: Buffer): Promise<number | undefined> {
  const pages = body.toString('latin1').match(/\/Type\s*\/Page(?![A-Za-z])/g)?.length ?? 0;
  if (pages > 0) return pages;
  try {
    const doc = await PDFDocument.load(body, { updateMetadata: false, ignoreEncryption: true });
    return doc.getPageCount();
  } catch {
    return undefined;
  }
}

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Concur's unnamespaced error document. */
export function errorXml(message: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    `<Error><Message>${xmlEscape(message)}</Message>` +
    `<Server-Time>${new Date().toISOString()}</Server-Time>` +
    `<Id>${randomUUID().toUpperCase()}</Id></Error>`
  );
}

/** Concur's namespaced success document. */
export function imageXml(imageId: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    '<Image xmlns="http://www.concursolutions.com/api/image/2011/02" ' +
    'xmlns:i="http://www.w3.org/2001/XMLSchema-instance">' +
    `<Id>${xmlEscape(imageId)}</Id><Url /></Image>`
  );
}

/** A fresh receipt image id shaped like Concur's (`aBcDeMwbl34…$pyoy31$pnGa…`). */
export function newImageId(): string {
  return randomBytes(39).toString('base64').replace(/[+/=]/g, '$');
}
