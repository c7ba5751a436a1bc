import { english, msg, type Message } from '../i18n/translate.js';
import { redact } from '../log/logger.js';
import type { UploadTarget } from '../types.js';
import { parseErrorBody, parseImageId, parseRetryAfter } from './concur-response.js';

/**
 * What an answer from Concur means for the upload (docs/architecture.md#concurs-rules, status meanings):
 * the queue retries `transient`, pauses the account on `auth`, fails on
 * `rejected`, and treats `alreadyHasImage` as its own case for entries/invoices.
 */

/** The typed result of one upload attempt; uploadImage never throws for HTTP or network trouble. */
export type UploadOutcome =
  /** `imageId` is absent when Concur's 2xx answer was unreadable, cut short or lacked it. */
  | { kind: 'uploaded'; imageId?: string; status: number; correlationId?: string }
  | {
      kind: 'auth';
      status?: number;
      message: string;
      /** `message` as a catalog key, when the words are our own (Concur said none). */
      text?: Message;
      errorId?: string;
      correlationId?: string;
    }
  | {
      kind: 'transient';
      status?: number;
      message: string;
      /** `message` as a catalog key, when the words are our own (no answer came). */
      text?: Message;
      retryAfterMs?: number;
      errorId?: string;
      correlationId?: string;
    }
  | {
      kind: 'rejected';
      status: number;
      message: string;
      /** `message` as a catalog key, when the words are our own (Concur said none). */
      text?: Message;
      errorId?: string;
      correlationId?: string;
      /** Nothing was sent: the scan could not be read here (the errno code), which may pass. */
      unreadable?: string;
    }
  | {
      kind: 'alreadyHasImage';
      status: number;
      message: string;
      text?: Message;
      errorId?: string;
      correlationId?: string;
    }
  /**
   * The file was not the inspected version by the time its last bytes were due, so
   * the request was cut before its body completed: Concur holds nothing from it.
   */
  | { kind: 'changed'; message: string };

/** The parts of an HTTP answer classification needs. */
export interface ConcurAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The first bytes of the body, at most the client's cap. */
  body: string;
  /** The body stopped short: too long, too slow, or the connection went. */
  cut?: boolean;
}

// Concur answers a request-rate limit or a database deadlock with a plain 400;
// only the message tells it apart from a real bad request.
const TRANSIENT_400 =
  /request limit|rate limit|\brate\b|too many requests|throttl|deadlock|temporarily/i;

// "This entry already has an image", "An image is already attached to this
// invoice", "Receipt image already exists": tolerant on purpose.
const ALREADY_HAS_IMAGE = /\balready\b/i;
const IMAGE_WORD = /\b(image|receipt|attach\w*)s?\b/i;

/** True when a message says the entry/invoice already holds its one image. */
export function saysAlreadyHasImage(message: string): boolean {
  return ALREADY_HAS_IMAGE.test(message) && IMAGE_WORD.test(message);
}

function statusMessage(status: number, target: UploadTarget): Message {
  switch (status) {
    case 400:
    case 401:
    case 403:
    case 413:
    case 429:
    case 500:
    case 503:
      return msg(`concur.status${status}`);
    case 404:
      return target.kind === 'receipt'
        ? msg('concur.status404Receipt')
        : msg(
            `concur.status404${target.kind === 'entry' ? 'Entry' : target.kind === 'report' ? 'Report' : 'Invoice'}`,
            { id: target.id },
          );
    case 502:
    case 504:
      return msg('concur.gateway', { status });
    default:
      return msg('concur.statusOther', { status });
  }
}

function header(headers: ConcurAnswer['headers'], name: string): string | undefined {
  const v = headers[name];
  return (Array.isArray(v) ? v[0] : v) || undefined;
}

/** Turns one HTTP answer into an outcome. `secret` is scrubbed from every text it keeps. */
export function classifyAnswer(
  answer: ConcurAnswer,
  target: UploadTarget,
  secret?: string,
): UploadOutcome {
  return scrub(classify(answer, target), secret);
}

function classify(answer: ConcurAnswer, target: UploadTarget): UploadOutcome {
  const { status } = answer;
  const correlationId = header(answer.headers, 'concur-correlationid');
  const extra = correlationId ? { correlationId } : {};
  if (status >= 200 && status < 300) {
    // A 2xx means Concur holds the image: never resend it, even if the Id is unreadable.
    const imageId = parseImageId(answer.body);
    return { kind: 'uploaded', ...(imageId ? { imageId } : {}), status, ...extra };
  }
  // The words of a cut answer may be missing or garbled: judge it by its status.
  const parsed = answer.cut ? {} : parseErrorBody(answer.body);
  // Concur's own words stay as it said them; ours go to each person in their language.
  const own = parsed.message
    ? undefined
    : answer.cut && status === 400
      ? msg('concur.cut400')
      : statusMessage(status, target);
  const message = parsed.message || english.say(own!);
  const base = {
    status,
    message,
    ...(own ? { text: own } : {}),
    ...(parsed.errorId ? { errorId: parsed.errorId } : {}),
    ...extra,
  };

  if (status === 401 || status === 403) return { kind: 'auth', ...base };
  // Only the missing words of a cut 400 could have said whether it was a rate limit.
  const transient400 = status === 400 && (answer.cut || TRANSIENT_400.test(message));
  if (status === 429 || status >= 500 || transient400) {
    const retryAfterMs = parseRetryAfter(answer.headers['retry-after']);
    return { kind: 'transient', ...base, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  if (
    (target.kind === 'entry' || target.kind === 'invoice') &&
    status >= 400 &&
    status < 500 &&
    saysAlreadyHasImage(message)
  ) {
    return { kind: 'alreadyHasImage', ...base };
  }
  if (status === 408) return { kind: 'transient', ...base };
  if (status >= 400) return { kind: 'rejected', ...base };
  // 1xx/3xx never end an upload normally (the client follows no redirects).
  return { kind: 'rejected', ...base };
}

// Every text of an outcome reaches the ledger, the .error.txt and the UI.
const MAX_MESSAGE_CHARS = 1000;
const MAX_FIELD_CHARS = 200;

/**
 * Removes the secret, any token the log knows and any Authorization value from
 * every text field of an outcome (a server may echo the token in its message,
 * error id or a header), then clips what a flood could make huge. Redacting
 * first, so a clip never leaves half a token behind.
 */
function scrub(outcome: UploadOutcome, secret?: string): UploadOutcome {
  const clean: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(outcome)) {
    if (typeof value !== 'string' || key === 'kind') {
      clean[key] = value;
      continue;
    }
    let text = redact(secret ? value.split(secret).join('«redacted»') : value);
    const max = key === 'message' ? MAX_MESSAGE_CHARS : MAX_FIELD_CHARS;
    if (text.length > max) text = text.slice(0, max - 1) + '…';
    clean[key] = text;
  }
  return clean as UploadOutcome;
}
