import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';

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

/** A poster for one base URL: its connections are kept alive between uploads. */
export function streamedPoster(base: URL, limits: PostLimits): (post: Post) => Promise<Reply> {
  const secure = base.protocol === 'https:';
  const agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const request = secure ? https.request : http.request;
  const connected = secure ? 'secureConnect' : 'connect';
  return (post) =>
    send(post, limits, connected, (options) => request(post.url, { ...options, agent }));
}

function send(
  post: Post,
  limits: PostLimits,
  connected: 'connect' | 'secureConnect',
  open: (options: http.RequestOptions) => http.ClientRequest,
): Promise<Reply> {
  return new Promise((resolve) => {
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
        ...end,
      });
    };
    const fail = (error: unknown) => settle(response ? { cut: 'connection lost' } : { error });
    const deadline = setTimeout(
      () =>
        settle(response ? { cut: 'too slow' } : { error: new DeadlineExceeded(limits.totalMs) }),
      limits.totalMs,
    );

    // Stays attached after settling: a destroyed request may still report errors.
    req.on('error', fail);
    req.setTimeout(limits.socketMs, () => fail(new RequestTimeout('socket', limits.socketMs)));
    req.on('socket', (socket) => {
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
