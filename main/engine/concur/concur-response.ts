import type * as FastXmlParser from 'fast-xml-parser';
import { createRequire } from 'node:module';

/**
 * Reading what Concur answers: the Image XML on success, and failures as they
 * really arrive — Concur's `<Error>` XML (whose Message may hold markup), JSON
 * from gateways and OAuth layers, HTML maintenance pages, or nothing at all.
 */

/** What a failure body said, as far as it could be read. */
export interface ConcurErrorBody {
  message?: string;
  errorId?: string;
}

let parser: FastXmlParser.XMLParser | undefined;

/**
 * The XML parser, made the first time an answer is not Concur's plain success
 * (see PLAIN_SUCCESS): most runs never need it. Its CommonJS build is one
 * file; its ES modules are dozens, which cost every start some 25 ms more.
 */
function xmlParser(): FastXmlParser.XMLParser {
  if (parser) return parser;
  const fxp = createRequire(import.meta.url)('fast-xml-parser') as typeof FastXmlParser;
  parser = new fxp.XMLParser({
    removeNSPrefix: true, // <Image xmlns=…> and <i:Image> alike
    ignoreAttributes: true,
    parseTagValue: false, // ids like 00123 or 1e5 must stay strings
    trimValues: true,
    // Concur's Message can contain markup; keep it raw and flatten it ourselves
    // so words keep their order.
    stopNodes: ['*.Message', '*.message'],
    processEntities: false,
  });
  return parser;
}

type Tree = Record<string, unknown>;

/**
 * Concur's answers are a few hundred bytes. Parsing a megabyte of padded XML
 * costs the parser half a second and some 30 MB of garbage, so only the start of
 * a body is read for its meaning (the parser takes a cut document as it is).
 */
const PARSED_CHARS = 64 * 1024;

function parseXml(body: string): Tree | undefined {
  if (!/^\s*(<\?xml[^>]*>\s*)?</.test(body)) return undefined;
  try {
    const tree: unknown = xmlParser().parse(body);
    return tree && typeof tree === 'object' ? (tree as Tree) : undefined;
  } catch {
    return undefined;
  }
}

function parseJson(body: string): unknown {
  if (!/^\s*[{[]/.test(body)) return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** Breadth-first search for the first value under a key matching `name` (any case). */
function findKey(tree: unknown, names: readonly string[]): unknown {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const queue: unknown[] = [tree];
  while (queue.length) {
    const node = queue.shift();
    if (!node || typeof node !== 'object') continue;
    const entries = Array.isArray(node) ? node.map((v) => ['', v] as const) : Object.entries(node);
    for (const [key, value] of entries) {
      if (wanted.has(key.toLowerCase()) && value !== '' && value !== null && value !== undefined)
        return value;
    }
    for (const [, value] of entries) if (value && typeof value === 'object') queue.push(value);
  }
  return undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object' && '#text' in value) return text(value['#text']);
  return undefined;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, code: string) => {
    if (code[0] === '#') {
      const n =
        code[1] === 'x' || code[1] === 'X' ? parseInt(code.slice(2), 16) : Number(code.slice(1));
      return Number.isFinite(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : whole;
    }
    return ENTITIES[code.toLowerCase()] ?? whole;
  });
}

const BLOCK_TAG = /<\/?(br|p|div|li|ul|ol|tr|td|h[1-6]|title|Message)\b[^<>]*>/gi;
const ANY_TAG = /<\/?[A-Za-z][^<>]*>/g;

/** Markup (raw or entity-escaped) flattened to one line of readable text. */
export function flattenMarkup(raw: string): string {
  const strip = (s: string) => s.replace(BLOCK_TAG, ' ').replace(ANY_TAG, '');
  const once = strip(raw.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1'));
  // Escaped markup (&lt;b&gt;) is still markup once decoded.
  return strip(decodeEntities(once)).replace(/\s+/g, ' ').trim();
}

/**
 * Concur's success answer in the form it is documented and sent: an XML
 * declaration at most, then `<Image …>` whose first child is a plain `<Id>`.
 * Its Id is read without the parser: the parser is a large body of code that
 * V8 takes a thousand or so answers to optimise, and until then one parse
 * costs a tenth of a receipt's CPU. Any other shape (a prefix, a comment,
 * an entity, JSON) goes to the parser.
 */
const PLAIN_SUCCESS = /^\s*(?:<\?xml[^<>]*\?>\s*)?<Image(?:\s[^<>]*)?>\s*<Id>([^<>&]*)<\/Id>/;

/** The image Id from a success body (`<Image><Id>…</Id></Image>`, any namespace), if any. */
export function parseImageId(whole: string): string | undefined {
  const body = whole.slice(0, PARSED_CHARS);
  const plain = PLAIN_SUCCESS.exec(body)?.[1].trim();
  if (plain) return plain;
  const tree = parseXml(body);
  const image = tree ? findKey(tree, ['Image']) : findKey(parseJson(body), ['Image']);
  const id = text(findKey(image ?? tree ?? parseJson(body), ['Id']));
  const trimmed = id?.trim();
  return trimmed ? decodeEntities(trimmed) : undefined;
}

/** Message and error Id from a failure body: Concur XML, JSON of any common shape, or text. */
export function parseErrorBody(whole: string): ConcurErrorBody {
  const body = whole.slice(0, PARSED_CHARS);
  if (!body.trim()) return {};
  const tree = parseXml(body);
  if (tree) {
    const error = findKey(tree, ['Error']) ?? tree;
    const message = text(findKey(error, ['Message']));
    const errorId = text(findKey(error, ['Id']));
    return {
      message: message ? flattenMarkup(message) || undefined : flattenBody(body),
      errorId: errorId?.trim() || undefined,
    };
  }
  const json = parseJson(body);
  if (json !== undefined) {
    const message =
      text(findKey(json, ['Message', 'error_description', 'detail', 'title'])) ??
      text(findKey(json, ['error', 'Error']));
    const errorId = text(findKey(json, ['Id', 'errorId', 'error_id']));
    return {
      message: message ? flattenMarkup(message) || undefined : undefined,
      errorId: errorId?.trim() || undefined,
    };
  }
  return { message: flattenBody(body) };
}

/** A plain-text or HTML body as one short line (a maintenance page, a proxy's error). */
function flattenBody(body: string): string | undefined {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(body)?.[1];
  const flat = flattenMarkup(
    title ?? body.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ').replace(/<!--[\s\S]*?-->/g, ''),
  );
  if (!flat) return undefined;
  return flat.length > 300 ? flat.slice(0, 300) + '…' : flat;
}

/** `Retry-After` in ms, from seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now = Date.now(),
): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
