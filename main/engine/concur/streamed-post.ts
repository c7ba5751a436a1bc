import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createTransport, type Transport } from '../network/transport.js';

/**
 * One POST whose body is streamed from disk, over kept-alive connections,
 * with the limits Concur's contract needs: a connect timeout, an answer
 * timeout once the body is sent, a stall timeout while it is being sent, one
 * deadline for the whole call, and at most `maxAnswerBytes` of the answer
 * read. Plain node:http: a request through got cost twice the CPU of the
 * request itself (issue 7 #13), and nothing of got's (retries, redirects,
 * decompression) is wanted here.
 */

/** A limit ran out; `event` says which: connecting, the answer after the body, or a stalled socket. */
export class RequestTimeout extends Error {
  constructor(
    readonly event: 'connect' | 'response' | 'socket',
    readonly ms: number,
  ) {
    super(`Timeout awaiting '${event}' for ${ms} ms.`);
    this.name = 'RequestTimeout';
  }
}

/** The whole call ran past its deadline before any answer came. */
export class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`No answer within ${ms} ms.`);
    this.name = 'DeadlineExceeded';
  }
}

/** The proxy answered the CONNECT with something other than 200: no byte went further. */
export class ProxyRefused extends Error {
  constructor(
    readonly status: number,
    readonly proxy: string,
    /** The sign-in schemes a 407 offered (Proxy-Authenticate): "Basic", "NTLM", "Negotiate". */
    readonly asks: readonly string[] = [],
  ) {
    super(`The proxy ${proxy} answered the tunnel request with HTTP ${status}.`);
    this.name = 'ProxyRefused';
  }
}

/** The server's certificate was refused; `issuer` is who signed it, as the handshake showed it. */
export class UntrustedCertificate extends Error {
  constructor(
    readonly code: string,
    readonly issuer: string | undefined,
  ) {
    super(`The server's certificate was refused (${code}).`);
    this.name = 'UntrustedCertificate';
  }
}

/** What came back for one request: the status line and the first bytes, or why nothing came. */
export interface Reply {
  status?: number;
  headers: IncomingHttpHeaders;
  body: string;
  bytes: number;
  /** Why the answer's body stopped short, if it did. */
  cut?: 'too long' | 'too slow' | 'connection lost';
  /** Set when no status line came: a network error, a timeout, or what the body's reader threw. */
  error?: unknown;
  /** The proxy the request went through ("host:port"), if any. */
  proxy?: string;
  /** Through a proxy: whether its tunnel was open before the error (else the proxy itself failed). */
  tunnelled?: boolean;
  /**
   * Nothing went past the proxy, and the transport sends through it another
   * way from now on (the host's network stack, which can sign in): send again at once.
   */
  again?: boolean;
}

export interface PostLimits {
  connectMs: number;
  responseMs: number;
  /** Nothing moving on the socket for this long while the request is out: failed. */
  socketMs: number;
  totalMs: number;
  maxAnswerBytes: number;
}

export interface Post {
  url: string;
  headers: Record<string, string>;
  /** The body, chunk by chunk; a chunk's buffer may be reused once it is written. */
  body: AsyncIterable<Buffer>;
  size: number;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

/**
 * A poster for one base URL: its connections are kept alive between uploads,
 * through the route (proxy, trusted certificates) the transport gives each URL.
 */
export function streamedPoster(
  base: URL,
  limits: PostLimits,
  transport: Transport = createTransport(),
): (post: Post) => Promise<Reply> {
  const secure = base.protocol === 'https:';
  const request = secure ? https.request : http.request;
  return async (post) => {
    let route;
    try {
      route = await transport.route(new URL(post.url));
    } catch (error) {
      return { headers: {}, body: '', bytes: 0, error };
    }
    const { agent, proxy, host } = route;
    if (host) return host(post, limits, proxy);
    const reply = await send(post, limits, secure, proxy, (options) =>
      request(post.url, { ...options, agent }),
    );
    const { error } = reply;
    if (error instanceof ProxyRefused && proxy && transport.asksForLogin?.(proxy, error.asks))
      return { ...reply, again: true };
    return reply;
  };
}

function send(
  post: Post,
  limits: PostLimits,
  secure: boolean,
  proxy: URL | undefined,
  open: (options: http.RequestOptions) => http.ClientRequest,
): Promise<Reply> {
  const connected = secure ? 'secureConnect' : 'connect';
  return new Promise((resolve) => {
    let tunnelled = false;
    let current: Socket | undefined;
    let response: IncomingMessage | undefined;
    const chunks: Buffer[] = [];
    let bytes = 0;
    let settled = false;
    let connectTimer: NodeJS.Timeout | undefined;
    let responseTimer: NodeJS.Timeout | undefined;
    const req = open({ method: 'POST', headers: post.headers, signal: post.signal });
    const settle = (end: Pick<Reply, 'cut' | 'error'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(connectTimer);
      clearTimeout(responseTimer);
      // A body still going out or an answer still coming: this connection is done.
      if (end.cut || end.error !== undefined || !req.writableFinished) {
        req.destroy();
        response?.destroy();
      }
      resolve({
        status: response?.statusCode,
        headers: response?.headers ?? {},
        body: Buffer.concat(chunks, bytes).toString('utf8'),
        bytes,
        ...(proxy ? { proxy: proxy.host, tunnelled } : {}),
        ...end,
      });
    };
    const fail = (error: unknown) =>
      settle(
        response
          ? { cut: 'connection lost' }
          : { error: withIssuer(error, current && issuers.get(current)) },
      );
    const deadline = setTimeout(
      () =>
        settle(response ? { cut: 'too slow' } : { error: new DeadlineExceeded(limits.totalMs) }),
      limits.totalMs,
    );

    // Stays attached after settling: a destroyed request may still report errors.
    req.on('error', fail);
    req.setTimeout(limits.socketMs, () => fail(new RequestTimeout('socket', limits.socketMs)));
    if (proxy) {
      // Through a proxy the socket shows only once the tunnel is open: connectMs covers reaching
      // the proxy and its answer to CONNECT (a kept-alive tunnel answers at once).
      connectTimer = setTimeout(
        () => fail(new RequestTimeout('connect', limits.connectMs)),
        limits.connectMs,
      );
      req.on('proxyConnect', (answer: IncomingMessage) => {
        clearTimeout(connectTimer);
        tunnelled = answer.statusCode === 200;
        // The agent would replay the proxy's refusal as if it were Concur's answer.
        if (!tunnelled)
          fail(
            new ProxyRefused(
              answer.statusCode ?? 0,
              proxy.host,
              schemesOf(answer.headers['proxy-authenticate']),
            ),
          );
      });
    }
    req.on('socket', (socket: Socket) => {
      current = socket;
      if (secure && !issuers.has(socket)) {
        issuers.set(socket, undefined);
        // Emitted mid-handshake, with the peer's certificate known but not yet judged.
        socket.once('OCSPResponse', () =>
          issuers.set(socket, nameOf((socket as TLSSocket).getPeerCertificate().issuer)),
        );
      }
      // Through a proxy the socket comes only once a tunnel is open (or kept alive).
      if (proxy && !settled) {
        tunnelled = true;
        clearTimeout(connectTimer);
      }
      // A kept-alive connection is connected already; a new one gets connectMs (lookup included).
      if (!socket.connecting) return;
      connectTimer = setTimeout(
        () => fail(new RequestTimeout('connect', limits.connectMs)),
        limits.connectMs,
      );
      socket.once(connected, () => clearTimeout(connectTimer));
    });
    req.on('finish', () => {
      if (response || settled) return;
      responseTimer = setTimeout(
        () => fail(new RequestTimeout('response', limits.responseMs)),
        limits.responseMs,
      );
    });
    req.on('response', (r: IncomingMessage) => {
      response = r;
      clearTimeout(responseTimer);
      r.on('data', (chunk: Buffer) => {
        if (settled) return;
        const room = limits.maxAnswerBytes - bytes;
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        bytes += Math.min(chunk.length, room);
        if (bytes >= limits.maxAnswerBytes) settle({ cut: 'too long' });
      });
      r.on('end', () => settle({}));
      r.on('aborted', () => settle({ cut: 'connection lost' }));
      r.on('error', () => settle({ cut: 'connection lost' }));
    });

    void writeBody(req, post, () => settled).catch(fail);
  });
}

/** Writes each chunk and waits until it is in the socket before the next is read into the same buffer. */
async function writeBody(
  req: http.ClientRequest,
  post: Post,
  settled: () => boolean,
): Promise<void> {
  let sent = 0;
  for await (const chunk of post.body) {
    if (settled()) return;
    await new Promise<void>((resolve, reject) =>
      req.write(chunk, (error) => (error ? reject(error) : resolve())),
    );
    sent += chunk.length;
    post.onProgress?.(post.size ? sent / post.size : 1);
  }
  if (!settled()) req.end();
}

/** "Negotiate", "NTLM", "Basic": the schemes of Proxy-Authenticate challenges, one header or several. */
export function schemesOf(header: string | string[] | undefined): string[] {
  const values = Array.isArray(header) ? header : header ? [header] : [];
  return values
    .flatMap((value) => value.split(','))
    .map((part) => part.trim().split(/\s+/)[0])
    .filter((scheme) => scheme && !scheme.includes('='));
}

/** Who issued each TLS connection's certificate, learnt during its handshake. */
const issuers = new WeakMap<Socket, string | undefined>();

/** Certificate codes that mean "signed by someone this machine does not trust". */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

function withIssuer(error: unknown, issuer: string | undefined): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNTRUSTED.has(code)
    ? new UntrustedCertificate(code, issuer)
    : error;
}

/** "Contoso Inspection CA (Contoso)": the common name and organisation of a certificate's name. */
function nameOf(
  name: Record<string, string | string[] | undefined> | undefined,
): string | undefined {
  if (!name) return undefined;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const cn = first(name.CN);
  const o = first(name.O);
  if (cn && o && !cn.includes(o)) return `${cn} (${o})`;
  return cn ?? o;
}
