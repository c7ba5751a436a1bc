import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  english,
  msg,
  pickLanguage,
  translator,
  type LanguageSetting,
  type Message,
  type Translator,
} from '../i18n/translate.js';
import { createLogger, registerSecret } from '../log/logger.js';
import { isLoopbackHost } from '../settings/schema.js';
import type { OAuth2Account } from './account-auth.js';
import { refusalMessage } from './refusal-words.js';
import { requestTokens, trustedGeolocation } from './token-endpoint.js';
import type { SignInState } from './token-manager.js';

/**
 * Signing in through the browser (docs/architecture.md#signing-in-to-concur):
 * the authorize URL with `state` and a PKCE challenge, a one-shot listener on
 * the registered loopback redirect URI, and the exchange of Concur's code
 * (`cc`) at the user's geolocation. No password passes through Concur Drop.
 */

/** How a browser sign-in ended when it did not sign in: Concur's words where it gave any. */
export class SignInRefused extends Error {
  /** `text`: the words as a catalog key, for the user's language; `message` in English. */
  constructor(readonly text: Message) {
    super(english.say(text));
    this.name = 'SignInRefused';
  }
}

/** The sign-in could not run here (the port is taken, no answer came in time). */
export class SignInFailed extends Error {
  constructor(readonly text: Message) {
    super(english.say(text));
    this.name = 'SignInFailed';
  }
}

const log = createLogger('sign-in');
const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/** Concur's browser host: `us.api.concursolutions.com` is signed in at `www-us.api.concursolutions.com`. */
export function authorizeBase(baseUrl: string): string {
  const url = new URL(baseUrl);
  if (/^[a-z0-9]+\.api\.concursolutions\.com$/i.test(url.hostname) && !/^www-/i.test(url.hostname))
    url.hostname = `www-${url.hostname}`;
  return url.origin;
}

export interface SignInOptions {
  account: OAuth2Account;
  /** Opens the URL in the user's browser; the URL is also told through `onUrl`. */
  openBrowser?: (url: string) => Promise<void> | void;
  onUrl?: (url: string) => void;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The `language` setting for the page the browser shows at the end; 'system' or none: the browser's. */
  language?: LanguageSetting;
}

/** The whole browser sign-in; resolves signed in, or throws SignInRefused / SignInFailed. */
export async function signInWithBrowser(options: SignInOptions): Promise<SignInState> {
  const { account } = options;
  const secret = (await account.clientSecret())?.trim();
  if (!secret) throw new SignInFailed(msg('auth.noSecretCli'));
  registerSecret(secret);
  const redirect = new URL(account.oauth2.redirectUri);
  if (redirect.protocol !== 'http:' || !isLoopbackHost(redirect.hostname))
    throw new SignInFailed(msg('auth.redirectNotLoopback'));
  const state = randomBytes(18).toString('base64url');
  const verifier = randomBytes(48).toString('base64url');
  const url = new URL('oauth2/v0/authorize', authorizeBase(account.baseUrl) + '/');
  url.search = new URLSearchParams({
    client_id: account.oauth2.clientId,
    redirect_uri: account.oauth2.redirectUri,
    scope: account.oauth2.scope,
    response_type: 'code',
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();

  const answer = awaitRedirect(
    redirect,
    state,
    options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    options.signal,
    options.language,
  );
  await answer.listening;
  options.onUrl?.(url.href);
  await options.openBrowser?.(url.href);
  const { code, geolocation } = await answer.result;
  registerSecret(code);

  const base = trustedGeolocation(geolocation) ?? account.baseUrl;
  const tokens = await requestTokens(base, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: account.oauth2.redirectUri,
    client_id: account.oauth2.clientId,
    client_secret: secret,
    code_verifier: verifier,
  });
  if (tokens.kind === 'refused') throw new SignInRefused(refusalMessage('refused', tokens));
  if (tokens.kind === 'transient')
    throw new SignInFailed(tokens.text ?? msg('auth.asIs', { message: tokens.message }));
  if (!tokens.tokens.geolocation && geolocation) {
    const trusted = trustedGeolocation(geolocation);
    if (trusted) tokens.tokens.geolocation = trusted;
  }
  const state2 = await account.manager.signedIn(tokens.tokens);
  log.info('signed in', { user: state2.userId, baseUrl: state2.baseUrl });
  return state2;
}

const PAGE = (lang: string, title: string, text: string) =>
  `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body style="font:15px system-ui,sans-serif;max-width:30em;margin:3em auto"><h1>${title}</h1><p>${text}</p></body></html>`;

/**
 * The page's language: the `language` setting when it names one, else the
 * browser's Accept-Language (the page is read in the browser, whatever the
 * terminal or the OS speaks), else English.
 */
function pageTranslator(
  setting: LanguageSetting | undefined,
  accept: string | undefined,
): Translator {
  const asked = (accept ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...rest] = part.trim().split(';');
      const q = rest.find((r) => r.trim().startsWith('q='));
      return { tag: tag.trim(), q: q ? Number(q.trim().slice(2)) || 0 : 1 };
    })
    .filter((one) => one.tag && one.tag !== '*' && one.q > 0)
    .sort((a, b) => b.q - a.q)
    .map((one) => one.tag);
  const { language, locale } = pickLanguage(setting, asked);
  return translator(language, locale);
}

const escape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Listens once on the redirect URI's port (127.0.0.1 only) for the browser's
 * answer. A wrong `state` ends the sign-in: that answer was not asked for here.
 */
function awaitRedirect(
  redirect: URL,
  state: string,
  timeoutMs: number,
  signal?: AbortSignal,
  language?: LanguageSetting,
): { listening: Promise<void>; result: Promise<{ code: string; geolocation?: string }> } {
  let server: Server;
  let timer: NodeJS.Timeout | undefined;
  let listening!: Promise<void>;
  const result = new Promise<{ code: string; geolocation?: string }>((resolve, reject) => {
    const done = (error: Error | null, value?: { code: string; geolocation?: string }) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', aborted);
      server.close();
      server.closeAllConnections?.();
      if (error) reject(error);
      else resolve(value!);
    };
    const aborted = () => done(new SignInFailed(msg('auth.cancelled')));
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', redirect.origin);
      if (url.pathname !== redirect.pathname) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
        return;
      }
      const params = url.searchParams;
      const tr = pageTranslator(language, req.headers['accept-language']);
      const answer = (status: number, title: string, text: Message) => {
        const body = PAGE(tr.language, escape(tr.t(title)), escape(tr.say(text)));
        res.writeHead(status, {
          'content-type': 'text/html; charset=utf-8',
          'content-length': Buffer.byteLength(body),
          'cache-control': 'no-store',
          connection: 'close',
        });
        res.end(body);
      };
      if (params.get('state') !== state) {
        answer(400, 'signInPage.notAcceptedTitle', msg('signInPage.notOurs'));
        return done(new SignInRefused(msg('auth.stateMismatch')));
      }
      const error = params.get('error_code') ?? params.get('error');
      if (error) {
        const said = params.get('error_description') ?? error;
        answer(200, 'signInPage.notSignedInTitle', msg('signInPage.concurSaid', { said }));
        return done(new SignInRefused(msg('auth.notSignedIn', { said })));
      }
      const code = params.get('cc') ?? params.get('code');
      if (!code) {
        answer(400, 'signInPage.notAcceptedTitle', msg('signInPage.noCode'));
        return done(new SignInRefused(msg('auth.noCode')));
      }
      answer(200, 'signInPage.signedInTitle', msg('signInPage.signedIn'));
      done(null, { code, geolocation: params.get('geolocation') ?? undefined });
    });
    listening = new Promise<void>((ok, fail) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        const why =
          error.code === 'EADDRINUSE'
            ? msg('auth.portInUse', { port: redirect.port })
            : (error.code ?? error.message);
        const failure = new SignInFailed(msg('auth.cannotListen', { url: redirect.href, why }));
        fail(failure);
        reject(failure);
      });
      server.listen(Number(redirect.port), '127.0.0.1', () => {
        const port = (server.address() as AddressInfo).port;
        log.info('waiting for the sign-in answer', { port });
        ok();
      });
    });
    timer = setTimeout(
      () =>
        done(new SignInFailed(msg('auth.timeout', { minutes: Math.round(timeoutMs / 60_000) }))),
      timeoutMs,
    );
    timer.unref();
    signal?.addEventListener('abort', aborted);
  });
  result.catch(() => undefined); // the caller awaits `listening` first
  return { listening, result };
}
