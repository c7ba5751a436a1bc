import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, isAbsolute, relative, resolve } from 'node:path';

/**
 * Serves the built renderer (out/renderer). Only files below the static root,
 * after decoding and after realpath, so neither `..`, encoded slashes nor a
 * symlink can reach anything else.
 */

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/** The page's CSP: nothing remote, no inline script or style, no framing. */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** Maps a URL path to a file under `root`, or null when it would leave the root or does not exist. */
export async function resolveStatic(root: string, urlPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const wanted = decoded === '/' || decoded === '' ? '/index.html' : decoded;
  if (wanted.split('/').includes('..')) return null;
  const realRoot = await realpath(root);
  const candidate = resolve(realRoot, `.${wanted}`);
  try {
    const file = await realpath(candidate);
    const rel = relative(realRoot, file);
    if (rel.startsWith('..') || isAbsolute(rel)) return null;
    if (!(await stat(file)).isFile()) return null;
    return file;
  } catch {
    return null;
  }
}

/** Streams a static file with its type and the security headers. */
export function sendFile(res: ServerResponse, file: string, headOnly: boolean): void {
  const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  const headers: Record<string, string> = {
    'content-type': type,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': type.startsWith('text/html') ? 'no-store' : 'no-cache',
  };
  if (type.startsWith('text/html')) {
    headers['content-security-policy'] = PAGE_CSP;
    headers['x-frame-options'] = 'DENY';
  }
  res.writeHead(200, headers);
  if (headOnly) {
    res.end();
    return;
  }
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}
