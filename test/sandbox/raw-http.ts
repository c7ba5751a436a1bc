import { request } from 'node:http';
import { connect } from 'node:net';

/** A response as the tests look at it. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with Node's plain http client: exactly the headers given, nothing added by a library. */
export function send(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string | number>;
    body?: Buffer | string;
    /** Write the body in pieces without a Content-Length: chunked transfer encoding. */
    chunked?: boolean;
  } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const headers: Record<string, string | number> = { ...options.headers };
    if (body && !options.chunked && !Object.keys(headers).some((h) => /content-length/i.test(h)))
      headers['content-length'] = body.length;
    const req = request(url, { method: options.method ?? 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    // A server may answer and stop reading before a large body is written: that
    // is only a failure when no answer came at all.
    let answered = false;
    let lastError: Error | undefined;
    req.on('response', () => (answered = true));
    req.on('error', (error) => (lastError = error));
    req.on('close', () => {
      if (!answered) reject(lastError ?? new Error('socket hang up'));
    });
    if (body && options.chunked) {
      req.write(body.subarray(0, Math.ceil(body.length / 2)));
      req.end(body.subarray(Math.ceil(body.length / 2)));
    } else req.end(body);
  });
}

/** Raw bytes over a socket, for requests Node's client will not produce (no Content-Length at all). */
export function sendRaw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(text));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
    socket.on('error', reject);
  });
}
