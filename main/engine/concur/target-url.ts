import { baseUrlProblem, CONCUR_ID, INSECURE_PROBLEM, isLoopbackHost } from '../settings/schema.js';
import type { UploadTarget } from '../types.js';

/**
 * Where each kind of target lives in Concur's Image service (docs/architecture.md#concurs-rules), and
 * the base-URL and id checks that must pass before any byte leaves the machine.
 */

/** The id is not a Concur id (1–128 of A-Z a-z 0-9 $ _ - .); nothing was sent. */
export class InvalidTargetError extends Error {
  constructor(readonly id: string) {
    super(
      `"${id.length > 140 ? id.slice(0, 140) + '…' : id}" is not a Concur id ` +
        '(1–128 characters of A-Z a-z 0-9 $ _ - .)',
    );
    this.name = 'InvalidTargetError';
  }
}

/** The base URL is not https (plain http is allowed only for the loopback sandbox). */
export class InsecureBaseUrlError extends Error {
  /** The origin refused, or null when the text was not a URL at all. */
  constructor(
    readonly baseUrl: string | null,
    problem = INSECURE_PROBLEM,
  ) {
    super(
      (baseUrl === null
        ? 'The Concur address is not a URL'
        : `Refusing to send receipts to ${baseUrl}`) + `: it ${problem}.`,
    );
    this.name = 'InsecureBaseUrlError';
  }
}

export { isLoopbackHost };

/** Parses the base URL; throws InsecureBaseUrlError unless https, or http on loopback. */
export function checkBaseUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new InsecureBaseUrlError(null); // the text itself is not echoed: it could hold anything
  }
  const problem = baseUrlProblem(baseUrl);
  if (problem) throw new InsecureBaseUrlError(url.origin, problem);
  return url;
}

const PATHS = {
  entry: 'v1.0/expenseentry',
  invoice: 'v1.1/invoice', // the docs' example uses v1.1 for invoices
  report: 'v1.0/report',
} as const;

/** The upload URL for a target; throws InvalidTargetError naming a bad id. */
export function imageUrl(baseUrl: string, target: UploadTarget): string {
  // A path prefix (a proxy) is kept; a query or fragment on the base is not.
  const url = checkBaseUrl(baseUrl);
  const base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  if (target.kind === 'receipt') return `${base}/api/image/v1.0/receipt`;
  // "." and ".." pass the character rule but URLs resolve them as dot segments,
  // even percent-encoded, so they could never reach the intended resource.
  if (typeof target.id !== 'string' || !CONCUR_ID.test(target.id) || /^\.{1,2}$/.test(target.id)) {
    throw new InvalidTargetError(String(target.id));
  }
  // encodeURIComponent leaves . _ - alone and encodes $ (a legal Concur id character).
  return `${base}/api/image/${PATHS[target.kind]}/${encodeURIComponent(target.id)}`;
}
