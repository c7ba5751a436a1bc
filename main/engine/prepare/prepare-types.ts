import type { Message } from '../i18n/translate.js';
import type { SniffedType } from '../inspect/file-type.js';
import type { ContentType } from '../types.js';

/**
 * What the engine asks of the preparing worker and what it answers: plain
 * data, so it crosses the worker boundary as a structured clone
 * (docs/architecture.md#preparing-scans).
 */

export interface PrepareRequest {
  /** Absolute path of the source file (read only). */
  path: string;
  /** Its type, from its bytes. */
  from: SniffedType;
  /** Folder for the prepared parts (the staging folder), and their file-name stem. */
  outDir: string;
  outStem: string;
  /** Concur's limit per image. */
  maxBytes: number;
  /** Shrink a file over maxBytes (the `shrink` setting). */
  shrink: boolean;
  /** A report appends: a result still over the limit may go as several parts in page order. */
  mayAppendParts: boolean;
  /** Stacks (receipt store only): one receipt, one per page, or split at blank sheets. */
  split: 'none' | 'page' | 'separator';
  blankPages: 'keep' | 'drop';
  /** Pixels one decoded page may hold (a decompression bomb is refused, not decoded). */
  maxPixels: number;
}

/** One file that goes to Concur as one image. */
export interface PreparedPart {
  path: string;
  contentType: ContentType;
  size: number;
  /** Source pages in it (1-based), for reasons that name the part. */
  pages: number[];
}

export type PrepareResult =
  | {
      ok: true;
      parts: PreparedPart[];
      /** What was done, for the ledger and the status: "converted from TIFF (3 pages)". */
      note: string;
      /** The same, as catalog keys, for hosts that speak another language. */
      noteText?: Message[];
    }
  | {
      ok: false;
      reason: string;
      code: 'unsupported-type' | 'too-large' | 'convert-failed';
      /** The reason as catalog keys, when there are any for it. */
      text?: Message;
      /** The decoder's own words, for the log. */
      detail?: string;
    };
