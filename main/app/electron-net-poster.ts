import { net } from 'electron';
import type { IncomingHttpHeaders } from 'node:http';
import { DeadlineExceeded, ProxyRefused, type Reply } from '../engine/concur/streamed-post.js';
import type { HostPoster } from '../engine/network/transport.js';

/**
 * Uploads through Chromium's network stack (Electron's `net`), for the
 * proxies that ask for Windows login (NTLM, Kerberos): Chromium answers them
 * with the user's own login, Node cannot
 * (docs/architecture.md#proxies-that-ask-for-windows-login). The engine
 * chooses it only for such a proxy: Electron's `net` holds a body with a
 * Content-Length in memory until it is whole (only chunked bodies stream,
 * and Concur refuses those), so this costs up to 10 MB per upload in flight.
 * Concur's limits are kept: the exact Content-Length (Chromium counts the
 * bytes), the one deadline, at most `maxAnswerBytes` of the answer read.
 */
export function electronNetPoster(): HostPoster {
  return (post, limits, proxy) =>
    new Promise<Reply>((resolve) => {
      // Chromium sets the length from the body it holds; setting it too is refused as unsafe.
      const { 'content-length': declared, ...headers } = post.headers;
      // A redirect would carry the token elsewhere; Concur never redirects an upload.
      const req = net.request({ method: 'POST', url: post.url, headers, redirect: 'error' });
      let response: Electron.IncomingMessage | undefined;
      const chunks: Buffer[] = [];
      let bytes = 0;
      let settled = false;
      const settle = (end: Pick<Reply, 'cut' | 'error'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        post.signal?.removeEventListener('abort', onAbort);
        if (end.cut || end.error !== undefined) req.abort();
        resolve({
          status: response?.statusCode,
          headers: (response?.headers ?? {}) as IncomingHttpHeaders,
          body: Buffer.concat(chunks, bytes).toString('utf8'),
          bytes,
          ...(proxy ? { proxy: proxy.host, tunnelled: !!response } : {}),
          ...end,
        });
      };
      const deadline = setTimeout(
        () =>
          settle(response ? { cut: 'too slow' } : { error: new DeadlineExceeded(limits.totalMs) }),
        limits.totalMs,
      );
      const onAbort = () => settle({ error: post.signal?.reason ?? new Error('aborted') });
      post.signal?.addEventListener('abort', onAbort, { once: true });

      // Asked only for a sign-in the Windows login cannot answer (Basic): there is none to give.
      req.on('login', (_info, callback) => callback());
      req.on('error', (error: Error) =>
        settle(response ? { cut: 'connection lost' } : { error: netError(error, proxy) }),
      );
      req.on('response', (answer) => {
        // 407 is a proxy's word by definition, never Concur's: the proxy refused.
        if (answer.statusCode === 407 && proxy) {
          settle({ error: new ProxyRefused(407, proxy.host) });
          return;
        }
        response = answer;
        post.onProgress?.(1);
        answer.on('data', (chunk: Buffer) => {
          if (settled) return;
          const room = limits.maxAnswerBytes - bytes;
          chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
          bytes += Math.min(chunk.length, room);
          if (bytes >= limits.maxAnswerBytes) settle({ cut: 'too long' });
        });
        answer.on('end', () => settle({}));
        answer.on('aborted', () => settle({ cut: 'connection lost' }));
        answer.on('error', () => settle({ cut: 'connection lost' }));
      });

      void (async () => {
        let sent = 0;
        for await (const chunk of post.body) {
          if (settled) return;
          // Copied before the callback: the reader reuses its buffer for the next chunk.
          await new Promise<void>((done) => req.write(Buffer.from(chunk), undefined, done));
          sent += chunk.length;
        }
        if (settled) return;
        // The length Concur is told is the length of what was read, or nothing goes.
        if (declared !== undefined && Number(declared) !== sent)
          throw new Error(`the body was ${sent} bytes, not ${declared}`);
        req.end();
      })().catch((error: unknown) => settle({ error }));
    });
}

/** Chromium's error names ("net::ERR_PROXY_AUTH_UNSUPPORTED") as the engine's errors and codes. */
function netError(error: Error, proxy: URL | undefined): Error {
  const code = /net::(ERR_\w+)/.exec(error.message)?.[1];
  if (proxy && code && /PROXY_AUTH/.test(code)) return new ProxyRefused(407, proxy.host);
  return Object.assign(new Error(error.message), code ? { code } : {});
}
