import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CALL_NAMES, parseArgs, type CallName } from '../../preload/contract.js';
import {
  createApiHandlers,
  defaultOpenPath,
  defaultReveal,
  type ApiHandlers,
} from '../engine/api/api-handlers.js';
import type { SignInPort } from '../engine/api/sign-in-port.js';
import { createLogger, redact } from '../engine/log/logger.js';
import type { SecretStore, SettingsStore } from '../engine/ports.js';
import { envSecretStore, tokenSource } from '../engine/secrets/secret-store.js';
import type { Settings } from '../engine/settings/schema.js';
import type { EngineApi, EngineEventMap } from '../engine/types.js';
import { resolveStatic, sendFile } from './static-files.js';

/**
 * The status window in a browser (`concur-drop watch --ui-port N`, issue 4):
 * the built renderer plus the contract over HTTP — `POST /api/call/<name>`
 * and server-sent events on `GET /api/events`. Bound to 127.0.0.1 only and
 * guarded by a random token from the printed URL; the Host and Origin checks
 * stop other web pages from reaching it through the user's browser (DNS
 * rebinding, cross-site requests).
 */

/** The header the page sends the token in (EventSource cannot: it uses ?token=). */
export const TOKEN_HEADER = 'x-concur-drop-token';
const MAX_BODY = 1024 * 1024;
const HEARTBEAT_MS = 20_000;

type EngineEvents = Pick<EventEmitter<EngineEventMap>, 'on' | 'off'>;

export interface UiServerOptions {
  engine: EngineApi & EngineEvents;
  /** The contract's handlers; when absent they are built here for the browser view. */
  handlers?: ApiHandlers;
  /** Needed when `handlers` is absent. */
  settingsStore?: SettingsStore;
  secrets?: SecretStore;
  /** The token the engine uploads with; default CONCUR_DROP_TOKEN, else `secrets` (docs/architecture.md#the-command-line). */
  getToken?: (settings: Settings) => Promise<string | null>;
  version?: string;
  /** Accepted from hosts that know it; the handlers derive the account from the settings. */
  account?: string;
  /**
   * The watching process's OAuth2 sign-in (no browser of its own to open: the page
   * opens Concur's address in a new tab); absent, every account uses a pasted token.
   */
  signIn?: SignInPort;
  /** 0 picks a free port. */
  port: number;
  /** The built renderer, e.g. out/renderer. */
  staticDir: string;
  /** Loopback only; there is no other choice on purpose. */
  host?: '127.0.0.1';
}

export interface UiServer {
  /** `http://127.0.0.1:N/?token=…`: print it; it is the key to the page. */
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const log = createLogger('ui-server');

/** Starts the browser UI server; resolves once it listens. */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const handlers = options.handlers ?? browserHandlers(options);
  const token = randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  const streams = new Set<ServerResponse>();
  let port = 0;

  const tokenMatches = (given: string | null | undefined) => {
    const bytes = Buffer.from(given ?? '');
    return bytes.length === tokenBytes.length && timingSafeEqual(bytes, tokenBytes);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      log.error('request failed', { path: req.url?.split('?')[0], error: redact(error.message) });
      if (!res.headersSent) sendJson(res, 500, { error: 'Internal error' });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Host: only our own loopback address; a rebinding DNS name would carry its own.
    const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
    if (!allowedHosts.includes(req.headers.host ?? '')) return forbid(res, 'unknown Host');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedHosts.some((h) => origin === `http://${h}`))
      return forbid(res, 'foreign Origin');

    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.pathname.startsWith('/api/')) {
      if (url.pathname === '/api/events') {
        if (req.method !== 'GET') return sendJson(res, 405, { error: 'GET only' });
        if (!tokenMatches(url.searchParams.get('token'))) return forbid(res, 'missing token');
        return openEvents(req, res);
      }
      const match = /^\/api\/call\/([A-Za-z]+)$/.exec(url.pathname);
      if (!match) return sendJson(res, 404, { error: 'No such call' });
      if (!tokenMatches(req.headers[TOKEN_HEADER] as string | undefined))
        return forbid(res, 'missing token');
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'POST only' });
      return call(match[1], req, res);
    }

    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendJson(res, 405, { error: 'GET only' });
    const file = await resolveStatic(options.staticDir, url.pathname);
    if (!file) return sendJson(res, 404, { error: 'Not found' });
    sendFile(res, file, req.method === 'HEAD');
  }

  async function call(name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!CALL_NAMES.includes(name as CallName))
      return sendJson(res, 404, { error: 'No such call' });
    // JSON only: a cross-site form cannot send it without a CORS preflight we never answer.
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? ''))
      return sendJson(res, 415, { error: 'Send the arguments as application/json' });
    const body = await readBody(req);
    if (body === null) return tooLarge(req, res);
    let args: unknown;
    try {
      args = JSON.parse(body || '[]');
    } catch {
      return sendJson(res, 400, { error: 'The arguments are not JSON' });
    }
    const parsed = parseArgs(name as CallName, args);
    if (!parsed)
      return sendJson(res, 400, { error: `${name}: the arguments do not fit the contract` });
    const handler = handlers[name as CallName] as (...a: unknown[]) => Promise<unknown>;
    try {
      const result = await handler(...(parsed as unknown[]));
      sendJson(res, 200, { result });
    } catch (error) {
      sendJson(res, 500, { error: redact((error as Error).message) });
    }
  }

  // One listener per engine event for the whole server, fanned out to every open stream:
  // a listener per stream passed Node's limit of 10 at the eleventh browser tab.
  const broadcast = (event: string, payload: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const stream of streams) stream.write(frame);
  };
  const engineListeners = {
    job: (job: EngineEventMap['job'][0]) => broadcast('job', job),
    summary: (summary: EngineEventMap['summary'][0]) => broadcast('summary', summary),
    // The page gets the words only; paths in notices stay in the log (as over IPC).
    notice: (notice: EngineEventMap['notice'][0]) =>
      broadcast('notice', { level: notice.level, message: notice.message, text: notice.text }),
  };
  options.engine.on('job', engineListeners.job);
  options.engine.on('summary', engineListeners.summary);
  options.engine.on('notice', engineListeners.notice);
  const stopListening = () => {
    options.engine.off('job', engineListeners.job);
    options.engine.off('summary', engineListeners.summary);
    options.engine.off('notice', engineListeners.notice);
  };
  // A comment now and then keeps proxies and idle timers from closing the streams.
  const heartbeat = setInterval(() => {
    for (const stream of streams) stream.write(': keep-alive\n\n');
  }, HEARTBEAT_MS);
  heartbeat.unref();

  function openEvents(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    streams.add(res);
    res.once('close', () => streams.delete(res));
  }

  server.headersTimeout = 20_000;
  server.requestTimeout = 0; // the event stream stays open
  try {
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(options.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolveListen();
      });
    });
  } catch (error) {
    stopListening();
    clearInterval(heartbeat);
    throw error;
  }
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/?token=${token}`;
  log.info('browser UI listening', { port });

  return {
    url,
    token,
    port,
    close: () =>
      new Promise<void>((resolveClose) => {
        stopListening();
        clearInterval(heartbeat);
        for (const stream of streams) stream.end();
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}

function browserHandlers(options: UiServerOptions): ApiHandlers {
  const { settingsStore, secrets } = options;
  if (!settingsStore || !secrets)
    throw new Error('startUiServer needs either handlers or a settings store and a secret store');
  const env = envSecretStore();
  return createApiHandlers({
    engine: options.engine,
    settingsStore,
    secrets,
    getToken:
      options.getToken ??
      ((settings) => tokenSource(settings.concur.baseUrl, { env, keychain: secrets }).getToken()),
    mode: 'browser',
    signIn: options.signIn,
    reveal: defaultReveal,
    openPath: defaultOpenPath,
    pickFolder: async () => null,
    version: options.version ?? process.env.npm_package_version ?? 'unknown',
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? {});
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

function forbid(res: ServerResponse, why: string): void {
  log.warn('refused a browser UI request', { why });
  sendJson(res, 403, { error: 'Forbidden' });
}

/**
 * Answers 413 and then drops the connection. The old code destroyed the socket
 * first, so the client saw a reset instead of the 413; the rest of an
 * oversized body is never read either way.
 */
function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  res.shouldKeepAlive = false;
  res.on('finish', () => req.destroy());
  sendJson(res, 413, { error: 'Request too large' });
}

/** The request body as text, or null past MAX_BODY (a declared length is refused before reading). */
function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolveBody, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) {
      resolveBody(null);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size > MAX_BODY) return; // already refused; nothing more is kept
      size += chunk.length;
      if (size > MAX_BODY) {
        chunks.length = 0;
        req.pause();
        resolveBody(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
