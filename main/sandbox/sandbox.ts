import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createSecureServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { MAX_IMAGE_BYTES } from '../engine/inspect/inspect.js';
import { createLogger } from '../engine/log/logger.js';
import { authorize } from './oauth2-authorize.js';
import { OAuth2Authority } from './oauth2.js';
import { handleControl } from './sandbox-control.js';
import {
  checkAuthorization,
  checkContent,
  checkFraming,
  countPdfPages,
  declaredType,
  errorXml,
  imageXml,
  isImagePath,
  matchRoute,
  newImageId,
  type Refusal,
} from './sandbox-rules.js';

/**
 * A local service that answers like Concur's Image service (docs/architecture.md#concurs-rules), for
 * tests, the demo and first runs without a Concur account. Binds 127.0.0.1
 * only. Faults can be queued to rehearse what the real service does on a bad
 * day: error statuses, dropped connections, slow, missing, endless or lost answers.
 */

/** One queued misbehaviour, consumed by the next image request. */
export type Fault =
  | {
      status: number;
      retryAfter?: number | string;
      body?: string;
      contentType?: string;
      /** Extra response headers, e.g. a hostile `concur-correlationid`. */
      headers?: Record<string, string>;
    }
  | { drop: true }
  | { delayMs: number }
  | { hang: true }
  /**
   * An answer of `floodMb` megabytes, streamed without holding it in memory. With a
   * 2xx status (default 201) the image is accepted first, like a real success.
   */
  | { floodMb: number; status?: number }
  /** The answer's headers at once, then its body one byte every `dripMs`; 2xx (default 201) accepts first. */
  | { dripMs: number; status?: number }
  /** The image is stored, then the connection is cut before any answer: a lost answer. */
  | { acceptThenDrop: true };

/** A fault that shapes the answer rather than replacing the request's handling. */
type ShapedAnswer = Extract<Fault, { floodMb: number } | { dripMs: number }>;

/** One image the sandbox accepted. */
export interface ReceivedImage {
  kind: 'receipt' | 'report' | 'entry' | 'invoice';
  id?: string;
  version: 'v1.0' | 'v1.1';
  /** The Content-Type as sent (media type only, lower case). */
  contentType: string;
  size: number;
  sha256: string;
  imageId: string;
  at: number;
  pdfPages?: number;
  /** For an upload with a token the sandbox issued: whose, and until when it was valid. */
  userId?: string;
  tokenExpiresAt?: number;
}

/** A running sandbox. */
export interface Sandbox {
  url: string;
  port: number;
  token: string;
  /** Successful uploads, in order. */
  received(): ReceivedImage[];
  /** Every request that reached the image endpoints, faults included. */
  requests(): number;
  /** Queued faults are consumed one per image request, in order, before normal handling. */
  inject(...faults: Fault[]): void;
  setToken(token: string): void;
  /** Forgets received images, faults, the request count and which entries/invoices hold an image. */
  reset(): void;
  /** The sign-in service (`/oauth2/v0`): tokens, users, calls; shared with a geolocation sandbox. */
  oauth2: OAuth2Authority;
  /** Image requests refused because their issued token had expired. */
  expiredRefusals(): number;
  close(): Promise<void>;
}

const log = createLogger('sandbox');

const STATUS_TEXT: Record<number, string> = {
  400: 'The request is invalid.',
  401: 'Authorization header is missing or malformed.',
  403: 'The OAuth token is invalid, expired or has been revoked.',
  404: 'The requested resource was not found.',
  429: 'Request limit exceeded. Please try again later.',
  500: 'An internal error occurred.',
  502: 'Bad gateway.',
  503: 'The service is unavailable for scheduled maintenance.',
  504: 'Gateway timeout.',
};

/** Starts the sandbox on 127.0.0.1 (port 0 = a free port). */
export async function startSandbox(
  options: {
    port?: number;
    token?: string;
    maxBytes?: number;
    /** Served over HTTPS with this key and certificate (PEM): a company network's TLS, rehearsed. */
    tls?: { key: string; cert: string };
    /** Another sandbox's sign-in service, to play a second data center for the same users. */
    oauth2?: OAuth2Authority;
    /** Access token lifetime in seconds (default 3600, as Concur's). */
    tokenLifetimeS?: number;
    /** A used refresh token is spent at once (see OAuth2Authority.strictRotation). */
    strictRotation?: boolean;
    /** The base URL token answers name as where users live (default: the sandbox itself). */
    geolocation?: string;
  } = {},
): Promise<Sandbox> {
  let token = options.token ?? 'sandbox-token';
  const oauth2 = options.oauth2 ?? new OAuth2Authority({ tokenLifetimeS: options.tokenLifetimeS });
  if (options.tokenLifetimeS !== undefined) oauth2.tokenLifetimeS = options.tokenLifetimeS;
  if (options.strictRotation !== undefined) oauth2.strictRotation = options.strictRotation;
  if (options.geolocation !== undefined)
    oauth2.geolocation = options.geolocation.replace(/\/+$/, '');
  let expiredRefusals = 0;
  let url = '';
  const maxBytes = options.maxBytes ?? MAX_IMAGE_BYTES;
  let received: ReceivedImage[] = [];
  let faults: Fault[] = [];
  let requestCount = 0;
  // Entries and invoices take one image each (docs/architecture.md#concurs-rules).
  let holdsImage = new Set<string>();
  const sockets = new Set<Socket>();

  const state = {
    received: () => received.map((r) => ({ ...r })),
    requests: () => requestCount,
    inject: (...more: Fault[]) => void faults.push(...more),
    setToken: (next: string) => void (token = next),
    reset: () => {
      received = [];
      faults = [];
      requestCount = 0;
      holdsImage = new Set();
    },
  };

  function send(
    res: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string> = {},
  ): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, {
      ...(body ? { 'content-type': 'application/xml; charset=utf-8' } : {}),
      ...headers,
      'content-length': String(Buffer.byteLength(body)),
    });
    res.end(body);
  }

  const refuse = (res: ServerResponse, r: Refusal) => send(res, r.status, errorXml(r.message));

  function answerFault(res: ServerResponse, fault: Extract<Fault, { status: number }>): void {
    const body = fault.body ?? errorXml(STATUS_TEXT[fault.status] ?? `HTTP ${fault.status}`);
    const headers: Record<string, string> = { ...fault.headers };
    if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
    if (fault.contentType) headers['content-type'] = fault.contentType;
    else if (body && fault.body !== undefined && /^\s*[[{]/.test(body))
      headers['content-type'] = 'application/json; charset=utf-8';
    else if (body && fault.body !== undefined && !/^\s*</.test(body))
      headers['content-type'] = 'text/plain; charset=utf-8';
    send(res, fault.status, body, headers);
  }

  /**
   * A flood or a drip. The body has an exact Content-Length, so only its size or
   * pace is wrong, and the padding sits inside the document, so a client that
   * stops early holds a cut, unparseable one.
   */
  async function answerShaped(
    res: ServerResponse,
    fault: ShapedAnswer,
    status: number,
    head: string,
    tail: string,
  ): Promise<void> {
    if (res.headersSent || res.destroyed) return;
    res.on('error', () => {}); // the client hanging up early is the point of the exercise
    const padding = 'floodMb' in fault ? Math.max(0, Math.floor(fault.floodMb * 1024 * 1024)) : 0;
    res.writeHead(status, {
      'content-type': 'application/xml; charset=utf-8',
      'content-length': String(Buffer.byteLength(head) + padding + Buffer.byteLength(tail)),
    });
    const open = () => !res.destroyed && !res.writableEnded;
    if ('floodMb' in fault) {
      res.write(head);
      const spaces = Buffer.alloc(64 * 1024, ' ');
      for (let left = padding; left > 0 && open(); left -= spaces.length) {
        const piece = left >= spaces.length ? spaces : spaces.subarray(0, left);
        if (!res.write(piece) && open())
          await new Promise<void>((resolve) => {
            const go = () => {
              res.off('drain', go).off('close', go);
              resolve();
            };
            res.on('drain', go).on('close', go);
          });
      }
      if (open()) res.end(tail);
      return;
    }
    const body = Buffer.from(head + tail);
    let sent = 0;
    const timer = setInterval(() => {
      if (!open()) return void clearInterval(timer);
      sent++;
      if (sent < body.length) res.write(body.subarray(sent - 1, sent));
      else {
        clearInterval(timer);
        res.end(body.subarray(sent - 1, sent));
      }
    }, fault.dripMs);
    res.once('close', () => clearInterval(timer));
  }

  async function readBody(req: IncomingMessage, length: number): Promise<Buffer | null> {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > length) return null; // cannot happen with HTTP framing; be safe anyway
        chunks.push(chunk);
      }
    } catch {
      return null; // the client went away mid-body
    }
    return size === length ? Buffer.concat(chunks, size) : null;
  }

  async function handleImage(req: IncomingMessage, res: ServerResponse, pathname: string) {
    requestCount++;
    const fault = faults.shift();
    let shaped: ShapedAnswer | undefined;
    if (fault) {
      if ('drop' in fault) return void req.socket.destroy();
      if ('hang' in fault) return; // answered never; close() ends the socket
      if ('delayMs' in fault) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      else if ('floodMb' in fault || 'dripMs' in fault) {
        shaped = fault;
        const status = fault.status ?? 201;
        if (status < 200 || status >= 300) {
          // Refused at once, like a status fault, but with an answer too long or too slow.
          const [head, tail] = errorXml(STATUS_TEXT[status] ?? `HTTP ${status}`).split('<Id>');
          return answerShaped(res, fault, status, head, '<Id>' + tail);
        }
      } else if ('status' in fault) return answerFault(res, fault);
    }
    if (req.method !== 'POST')
      return refuse(res, {
        status: 405,
        message: `The requested resource does not support http method '${req.method}'.`,
      });
    const issued = issuedToken(req.headers.authorization);
    const grant = issued === undefined ? undefined : oauth2.checkAccess(issued);
    if (grant === 'expired') expiredRefusals++;
    if (grant === 'expired' || grant === 'unknown')
      return refuse(res, {
        status: grant === 'expired' ? 401 : 403,
        message: 'The OAuth token is invalid, expired or has been revoked.',
      });
    const auth = grant ? null : checkAuthorization(req.headers.authorization, token);
    if (auth) return refuse(res, auth);
    const route = matchRoute(pathname);
    if ('status' in route) return refuse(res, route);
    // Refused on the headers alone: an oversized body is never read into memory.
    const framing = checkFraming(req.headers, maxBytes);
    if ('status' in framing) return refuse(res, framing);
    const declared = declaredType(req.headers['content-type']);
    if (!declared)
      return refuse(res, {
        status: 400,
        message: `The Content-Type "${req.headers['content-type'] ?? ''}" is not supported. Use application/pdf, image/jpeg or image/png.`,
      });

    const body = await readBody(req, framing.length);
    if (!body) return;
    const content = checkContent(body, declared);
    if (content) return refuse(res, content);
    const pdfPages = declared === 'application/pdf' ? await countPdfPages(body) : undefined;

    // From here on synchronous, so two concurrent uploads cannot both attach.
    const key = `${route.kind}:${route.id}`;
    if ((route.kind === 'entry' || route.kind === 'invoice') && holdsImage.has(key)) {
      const what = route.kind === 'entry' ? 'expense entry' : 'invoice';
      return refuse(res, {
        status: 400,
        message: `This ${what} already has an image attached. No more images can be appended.`,
      });
    }
    if (route.kind === 'entry' || route.kind === 'invoice') holdsImage.add(key);
    // Like the docs' examples: a receipt gets a new image id, a report, entry or
    // invoice answers with its own id.
    const imageId = route.kind === 'receipt' ? newImageId() : (route.id as string);
    received.push({
      kind: route.kind,
      ...(route.id !== undefined ? { id: route.id } : {}),
      version: route.version,
      contentType: (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase(),
      size: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
      imageId,
      at: Date.now(),
      ...(pdfPages !== undefined ? { pdfPages } : {}),
      ...(grant ? { userId: grant.userId, tokenExpiresAt: grant.expiresAt } : {}),
    });
    if (fault && 'acceptThenDrop' in fault) return void req.socket.destroy();
    if (shaped) {
      const [head, tail] = imageXml(imageId).split('<Url />');
      return answerShaped(res, shaped, shaped.status ?? 201, head, '<Url />' + tail);
    }
    send(res, 201, imageXml(imageId));
  }

  /** A Bearer/OAuth token other than the fixed one: one the sign-in service may have issued. */
  function issuedToken(header: string | undefined): string | undefined {
    const m = /^(?:OAuth|Bearer) +(\S+)\s*$/i.exec(header ?? '');
    return m && m[1] !== token ? m[1] : undefined;
  }

  function route(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<unknown> {
    const path = pathname.replace(/\/+$/, '').toLowerCase();
    if (path === '/oauth2/v0/token' && req.method === 'POST') return oauth2.token(req, res, url);
    if (path === '/oauth2/v0/authorize') return authorize(req, res, oauth2, url);
    if (path === '/app-mgmt/v0/connections' && req.method === 'DELETE')
      return Promise.resolve(oauth2.revoke(req, res));
    if (pathname.startsWith('/_sandbox/')) return handleControl(req, res, pathname, state);
    if (isImagePath(pathname)) return handleImage(req, res, pathname);
    return Promise.resolve(refuse(res, { status: 404, message: STATUS_TEXT[404] }));
  }

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('concur-correlationid', randomUUID());
    const started = Date.now();
    const pathname = new URL(req.url ?? '/', 'http://sandbox').pathname;
    const done = route(req, res, pathname);
    done
      .catch(() => send(res, 500, errorXml(STATUS_TEXT[500])))
      .finally(() => {
        // Method, path and outcome only: headers (Authorization) are never logged.
        log.debug('request', {
          method: req.method,
          path: pathname,
          status: res.headersSent ? res.statusCode : undefined,
          size: Number(req.headers['content-length']) || undefined,
          ms: Date.now() - started,
          correlationId: res.getHeader('concur-correlationid'),
        });
      });
  };
  const server = options.tls ? createSecureServer(options.tls, handle) : createServer(handle);

  // Requests Node's parser rejects (bad Content-Length, both Content-Length and
  // chunked) still get Concur's 400 XML rather than a bare status line.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') return void socket.destroy();
    const body = errorXml('The request is malformed: ' + (error.code ?? 'bad request') + '.');
    socket.end(
      'HTTP/1.1 400 Bad Request\r\nContent-Type: application/xml; charset=utf-8\r\n' +
        `concur-correlationid: ${randomUUID()}\r\nConnection: close\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  log.info('sandbox listening', { url });

  return {
    url,
    port,
    get token() {
      return token;
    },
    set token(next: string) {
      token = next;
    },
    ...state,
    oauth2,
    expiredRefusals: () => expiredRefusals,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}
