import { checkBaseUrl } from '../concur/target-url.js';
import { english, msg, type Message } from '../i18n/translate.js';
import { createLogger, registerSecret } from '../log/logger.js';
import { isLoopbackHost } from '../settings/schema.js';
import { readIdToken, type IdentityClaims } from './id-token.js';

/**
 * Concur's token endpoint, `POST {base}/oauth2/v0/token`
 * (docs/architecture.md#signing-in-to-concur): the three grants, the answer
 * with `expires_in` as a string and the user's `geolocation`, and Concur's
 * numbered refusals. A refusal with code 16 ("the user lives elsewhere") is
 * asked again once at the geolocation it names.
 */

/** What a successful token call gives. */
export interface TokenSet {
  accessToken: string;
  /** When the access token stops working (ms since the epoch). */
  expiresAt: number;
  refreshToken?: string;
  /** When the refresh token stops working, if Concur said. */
  refreshExpiresAt?: number;
  identity?: IdentityClaims;
  /** The base URL where the user lives; every later call goes there. */
  geolocation?: string;
}

export type TokenAnswer =
  | { kind: 'tokens'; tokens: TokenSet }
  /** Concur said no: the words are Concur's. */
  | {
      kind: 'refused';
      status: number;
      code?: number;
      error?: string;
      description: string;
    }
  /** No answer, or one that may pass (5xx, 429): try later. */
  | { kind: 'transient'; message: string; text?: Message; retryAfterMs?: number };

/** Concur's code for "sign in again": the refresh token is bad, expired or spent. */
export const REFRESH_TOKEN_REFUSED = 108;
/** Concur's code for "the user lives in another data center; ask there". */
const LIVES_ELSEWHERE = 16;

const log = createLogger('oauth2');
const TIMEOUT_MS = 30_000;
const MAX_ANSWER = 64 * 1024;

/**
 * True for a base URL the client secret and refresh token may be sent to: the
 * loopback sandbox, or https on one of Concur's own domains. A geolocation
 * from an answer (or a redirect) that is neither is ignored.
 */
export function trustedGeolocation(text: string | undefined): string | undefined {
  if (!text) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const concur = /(^|\.)concursolutions\.(com|cn)$|(^|\.)concurcdc\.cn$/i.test(url.hostname);
  const ok =
    !url.username &&
    !url.password &&
    ((url.protocol === 'https:' && concur) ||
      (url.protocol === 'http:' && isLoopbackHost(url.hostname)));
  return ok ? url.origin : undefined;
}

/** One grant at `baseUrl`; never throws for HTTP or network trouble. */
export async function requestTokens(
  baseUrl: string,
  form: Record<string, string>,
  now: () => number = Date.now,
): Promise<TokenAnswer> {
  const first = await postForm(baseUrl, form, now);
  if (first.kind === 'refused' && first.code === LIVES_ELSEWHERE) {
    const there = trustedGeolocation(first.geolocation);
    if (there && there !== new URL(baseUrl).origin) {
      log.info('token call sent to the user’s geolocation', {
        from: new URL(baseUrl).origin,
        to: there,
      });
      return finish(await postForm(there, form, now));
    }
  }
  return finish(first);
}

function finish(answer: TokenAnswer & { geolocation?: string }): TokenAnswer {
  if (answer.kind !== 'refused') return answer;
  const { geolocation: _ignored, ...refused } = answer as TokenAnswer & { geolocation?: string };
  return refused as TokenAnswer;
}

async function postForm(
  baseUrl: string,
  form: Record<string, string>,
  now: () => number,
): Promise<TokenAnswer & { geolocation?: string }> {
  const url = new URL('oauth2/v0/token', checkBaseUrl(baseUrl).href.replace(/\/?$/, '/'));
  for (const key of ['client_secret', 'refresh_token', 'code', 'password', 'code_verifier'])
    registerSecret(form[key]);
  const started = now();
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams(form),
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const text = msg('auth.unreachable', { host: url.host, why: failureWords(error) });
    log.warn('token call failed', {
      grant: form.grant_type,
      host: url.host,
      error: failureCode(error),
    });
    return { kind: 'transient', message: english.say(text), text };
  }
  const text = (await res.text().catch(() => '')).slice(0, MAX_ANSWER);
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's page): the status decides.
  }
  log.info('token call', {
    grant: form.grant_type,
    host: url.host,
    status: res.status,
    code: body.code,
    ms: now() - started,
  });
  if (res.ok) return tokensFrom(body, now());
  if (res.status >= 500 || res.status === 429 || res.status === 408) {
    const after = Number(res.headers.get('retry-after'));
    const text = msg('auth.notAnswering', { status: res.status });
    return {
      kind: 'transient',
      message: english.say(text),
      text,
      ...(after > 0 ? { retryAfterMs: after * 1000 } : {}),
    };
  }
  const code = Number(body.code);
  return {
    kind: 'refused',
    status: res.status,
    ...(Number.isFinite(code) && body.code !== undefined ? { code } : {}),
    ...(typeof body.error === 'string' ? { error: body.error } : {}),
    description: describeRefusal(body, res.status),
    ...(typeof body.geolocation === 'string' ? { geolocation: body.geolocation } : {}),
  };
}

function tokensFrom(body: Record<string, unknown>, now: number): TokenAnswer {
  const access = typeof body.access_token === 'string' ? body.access_token : '';
  if (!access) {
    const text = msg('auth.noAccessToken');
    return { kind: 'transient', message: english.say(text), text };
  }
  registerSecret(access);
  const refresh = typeof body.refresh_token === 'string' ? body.refresh_token : undefined;
  registerSecret(refresh);
  // Concur sends expires_in as a string ("3600"); a number is taken too.
  const seconds = Number(body.expires_in);
  const refreshSeconds = Number(body.refresh_expires_in);
  const identity = typeof body.id_token === 'string' ? readIdToken(body.id_token) : undefined;
  const geolocation = trustedGeolocation(
    typeof body.geolocation === 'string' ? body.geolocation : undefined,
  );
  return {
    kind: 'tokens',
    tokens: {
      accessToken: access,
      expiresAt: now + (seconds > 0 ? seconds : 3600) * 1000,
      ...(refresh ? { refreshToken: refresh } : {}),
      ...(refreshSeconds > 0 ? { refreshExpiresAt: now + refreshSeconds * 1000 } : {}),
      ...(identity ? { identity } : {}),
      ...(geolocation ? { geolocation } : {}),
    },
  };
}

/** Concur's own words, one line; the error name when it gave no description. */
function describeRefusal(body: Record<string, unknown>, status: number): string {
  const words = [body.error_description, body.error, body.message].find(
    (v): v is string => typeof v === 'string' && v.trim() !== '',
  );
  const text = (words ?? `HTTP ${status}`).replace(/\s+/g, ' ').trim();
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

/** The errno code as Node names it; a timeout in words. */
function failureWords(error: unknown): string | Message {
  if (error instanceof Error && error.name === 'TimeoutError')
    return msg('auth.noAnswerWithin', { seconds: TIMEOUT_MS / 1000 });
  return failureCode(error);
}

function failureCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer within 30 s';
  return error instanceof Error ? error.name : 'unknown error';
}

/** `DELETE {base}/app-mgmt/v0/connections`: ends the grant behind `accessToken`. True when Concur agreed. */
export async function revokeConnection(baseUrl: string, accessToken: string): Promise<boolean> {
  registerSecret(accessToken);
  const url = new URL('app-mgmt/v0/connections', checkBaseUrl(baseUrl).href.replace(/\/?$/, '/'));
  try {
    const res = await fetch(url, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${accessToken}` },
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await res.arrayBuffer().catch(() => undefined);
    log.info('connection revoked', { host: url.host, status: res.status });
    return res.ok;
  } catch (error) {
    log.warn('revoking the connection failed', { host: url.host, error: failureCode(error) });
    return false;
  }
}
