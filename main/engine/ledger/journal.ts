import { isAscii } from 'node:buffer';

/**
 * The journal's format: one JSON record per line (docs/architecture.md#the-ledger). Only whole
 * lines ending in '\n' count; what a crash leaves after the last '\n' is a
 * torn write and is dropped.
 *
 * Lines are written as pure ASCII (JSON \u escapes for anything else), because
 * decoding UTF-8 dominated the start time of a big ledger: ASCII reads as
 * latin1, several times faster. Lines with other bytes (an older or hand-edited
 * file) are still decoded as UTF-8.
 */

/** A record as one journal line: JSON, ASCII only, ending in '\n'. */
export function toJournalLine(record: unknown): string {
  const json = JSON.stringify(record);
  // Most lines are ASCII already: a test is cheaper than a replace that copies the line.
  if (!NOT_ASCII.test(json)) return json + '\n';
  return (
    json.replace(NOT_ASCII_ALL, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '\n'
  );
}

const NOT_ASCII = /[\u007f-\uffff]/;
const NOT_ASCII_ALL = /[\u007f-\uffff]/g;

export interface JournalScan {
  /** Complete, parseable lines (each handed to `onRecord`). */
  records: number;
  /** Lines that were not JSON (other than at the very end). */
  corruptLines: number;
  /** Blank or NUL-filled lines (a power cut's leftovers): not records, not corrupt. */
  blankLines: number;
  /** A partial or unparseable last line was dropped (a crash mid-write). */
  tornTail: boolean;
  /** Bytes in the journal. */
  bytes: number;
  /** Where the last whole record's line ends ('\n' included): what a torn tail is cut back to. */
  wholeBytes: number;
}

/**
 * Hands each parsed line of `data` to `onRecord` in order, with where the
 * line lies (its '\n' excluded), so a compaction can copy it unparsed.
 */
export function scanJournal(
  data: Uint8Array,
  onRecord: (record: unknown, start: number, end: number) => void,
): JournalScan {
  const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  // One SIMD check for the common case; only a journal with other bytes decodes line by line.
  const ascii = isAscii(buffer);
  let records = 0;
  let corruptLines = 0;
  let blankLines = 0;
  // A bad line is only known to be "the last" once the data ends, so hold the verdict until then.
  let pendingCorrupt = 0;
  let start = 0;
  let wholeBytes = 0;
  for (let end = buffer.indexOf(10); end !== -1; end = buffer.indexOf(10, start)) {
    const line = ascii
      ? buffer.toString('latin1', start, end)
      : decodeLine(buffer.subarray(start, end));
    const lineStart = start;
    start = end + 1;
    const parsed = parseLine(line);
    if (parsed === SKIP) {
      blankLines++;
      continue;
    }
    if (parsed === CORRUPT) {
      pendingCorrupt++;
      continue;
    }
    corruptLines += pendingCorrupt;
    pendingCorrupt = 0;
    records++;
    wholeBytes = start;
    onRecord(parsed, lineStart, end);
  }
  // Bytes after the last newline: the write that was cut off. Whole-but-unterminated JSON is
  // still dropped — its put() never resolved, so nothing was acted on because of it.
  const rest = start < buffer.length ? parseLine(decodeLine(buffer.subarray(start))) : SKIP;
  // Trailing unparseable lines (e.g. NUL-filled blocks after a power cut) are one torn tail too.
  const tornTail = rest !== SKIP || pendingCorrupt > 0;
  if (rest === SKIP && start < buffer.length) blankLines++;
  return { records, corruptLines, blankLines, tornTail, bytes: buffer.length, wholeBytes };
}

/** One line's bytes as text: latin1 when ASCII (fast), else UTF-8 (older or hand-edited files). */
function decodeLine(line: Buffer): string {
  return line.toString(isAscii(line) ? 'latin1' : 'utf8');
}

const SKIP = Symbol('skip');
const CORRUPT = Symbol('corrupt');

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    // A power cut can leave NUL-filled blocks where the last writes were: not a record.
    return line.replace(/[\s\0]+/g, '') === '' ? SKIP : CORRUPT;
  }
}

/**
 * The journal's first `upTo` bytes with only the lines `keep` marks, as they
 * are (no parsing: a compaction while running must not hold the event loop).
 * Throws when those bytes do not hold exactly keep.length lines.
 */
export function keptLines(data: Uint8Array, upTo: number, keep: Uint8Array): Buffer[] {
  const buffer = Buffer.from(data.buffer, data.byteOffset, upTo);
  const parts: Buffer[] = [];
  let line = 0;
  let start = 0;
  // Runs of kept lines are copied as one slice.
  let runStart = -1;
  for (let end = buffer.indexOf(10); end !== -1; end = buffer.indexOf(10, start)) {
    if (line >= keep.length) break;
    if (keep[line]) {
      if (runStart < 0) runStart = start;
    } else if (runStart >= 0) {
      parts.push(buffer.subarray(runStart, start));
      runStart = -1;
    }
    line++;
    start = end + 1;
  }
  if (line !== keep.length || start !== upTo) {
    throw new Error(`The journal does not hold the ${keep.length} lines the ledger wrote.`);
  }
  if (runStart >= 0) parts.push(buffer.subarray(runStart, start));
  // Slices of `data`, not a copy: the caller joins them once, with whatever comes after.
  return parts;
}
