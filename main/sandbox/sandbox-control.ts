import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { isLoopbackHost } from '../engine/concur/target-url.js';
import type { Fault, ReceivedImage } from './sandbox.js';

/**
 * The sandbox's control interface over HTTP, for tooling outside the process
 * (the CLI-run sandbox): read what arrived, queue faults, reset, change the
 * token. Loopback only, and only under a loopback Host name, so a web page
 * cannot drive it through DNS rebinding.
 */

/** What the control routes may touch. */
export interface SandboxState {
  received(): ReceivedImage[];
  requests(): number;
  inject(...faults: Fault[]): void;
  setToken(token: string): void;
  reset(): void;
}

const faultSchema = z.union([
  z.strictObject({
    status: z.number().int().min(100).max(599),
    retryAfter: z.union([z.number().min(0), z.string().min(1)]).optional(),
    body: z.string().optional(),
    contentType: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  z.strictObject({ drop: z.literal(true) }),
  z.strictObject({ delayMs: z.number().int().min(0).max(3_600_000) }),
  z.strictObject({ hang: z.literal(true) }),
  z.strictObject({
    floodMb: z.number().min(0).max(4096),
    status: z.number().int().min(100).max(599).optional(),
  }),
  z.strictObject({
    dripMs: z.number().int().min(1).max(3_600_000),
    status: z.number().int().min(100).max(599).optional(),
  }),
  z.strictObject({ acceptThenDrop: z.literal(true) }),
]);
const faultsSchema = z.union([faultSchema, z.array(faultSchema)]);

const MAX_CONTROL_BODY = 64 * 1024;

/** True for 127.0.0.0/8 and ::1, IPv4-mapped or not. */
export function isLoopbackAddress(address: string | undefined): boolean {
  return isLoopbackHost((address ?? '').replace(/^::ffff:/i, ''));
}

function isLoopbackHostHeader(host: string | undefined): boolean {
  return isLoopbackHost((host ?? '').replace(/:\d+$/, '').toLowerCase());
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_CONTROL_BODY) throw new Error('The control request body is too large.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Answers one `/_sandbox/…` request; returns the status sent, for the log. */
export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  state: SandboxState,
): Promise<number> {
  if (!isLoopbackAddress(req.socket.remoteAddress) || !isLoopbackHostHeader(req.headers.host)) {
    json(res, 403, { error: 'The sandbox control interface answers loopback requests only.' });
    return 403;
  }
  const route = `${req.method} ${pathname.replace(/\/+$/, '')}`;
  try {
    switch (route) {
      case 'GET /_sandbox/received':
        json(res, 200, state.received());
        return 200;
      case 'GET /_sandbox/requests':
        json(res, 200, { requests: state.requests() });
        return 200;
      case 'POST /_sandbox/faults': {
        const parsed = faultsSchema.safeParse(JSON.parse((await readText(req)) || 'null'));
        if (!parsed.success) {
          json(res, 400, {
            error:
              'Expected a JSON array of faults: {status, retryAfter?, body?, contentType?, headers?} | {drop: true} | {delayMs} | {hang: true} | {floodMb, status?} | {dripMs, status?} | {acceptThenDrop: true}.',
          });
          return 400;
        }
        const faults = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
        state.inject(...faults);
        json(res, 200, { queued: faults.length });
        return 200;
      }
      case 'POST /_sandbox/reset':
        await readText(req);
        state.reset();
        json(res, 200, { reset: true });
        return 200;
      case 'POST /_sandbox/token': {
        const text = (await readText(req)).trim();
        let token = text;
        if (text.startsWith('{')) {
          const value: unknown = JSON.parse(text);
          token = z.object({ token: z.string() }).parse(value).token.trim();
        }
        if (!token || /\s/.test(token)) {
          json(res, 400, { error: 'Send the new token as {"token": "…"} or as plain text.' });
          return 400;
        }
        state.setToken(token);
        json(res, 200, { token: 'changed' }); // never echo a token back
        return 200;
      }
      default:
        json(res, 404, {
          error:
            'Unknown control route. Try GET /_sandbox/received, GET /_sandbox/requests, POST /_sandbox/faults, POST /_sandbox/reset, POST /_sandbox/token.',
        });
        return 404;
    }
  } catch (error) {
    json(res, 400, {
      error: error instanceof SyntaxError ? 'The body is not valid JSON.' : 'Bad control request.',
    });
    return 400;
  }
}
