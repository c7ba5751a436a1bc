import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiServer, type UiServer } from '../../main/ui-server/ui-server.js';
import { jpeg } from '../fixtures/scans.js';
import { startHarness, type Harness } from '../engine/api/api-harness.js';

/** One raw HTTP request, so Host and Origin can be anything a hostile page could send. */
function raw(
  port: number,
  options: { path: string; method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: options.path,
        method: options.method ?? 'GET',
        headers: { host: `127.0.0.1:${port}`, ...options.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

let h: Harness;
let ui: UiServer;
let staticDir: string;

beforeAll(async () => {
  h = await startHarness();
  // A stand-in for out/renderer, with a secret next to it that must never be served.
  staticDir = await mkdtemp(join(tmpdir(), 'concur-drop-static-'));
  await mkdir(join(staticDir, 'site', 'assets'), { recursive: true });
  await writeFile(
    join(staticDir, 'site', 'index.html'),
    '<!doctype html><title>Concur Drop</title>',
  );
  await writeFile(join(staticDir, 'site', 'assets', 'app.js'), 'console.log(1)');
  await writeFile(join(staticDir, 'secret.txt'), 'TOP-SECRET');
  await symlink(join(staticDir, 'secret.txt'), join(staticDir, 'site', 'assets', 'link.js'));
  ui = await startUiServer({
    handlers: h.handlers,
    engine: h.engine,
    port: 0,
    staticDir: join(staticDir, 'site'),
    host: '127.0.0.1',
  });
});

afterAll(async () => {
  await ui?.close();
  await h?.close();
  await rm(staticDir, { recursive: true, force: true });
});

const call = (name: string, args: unknown[], headers: Record<string, string> = {}) =>
  raw(ui.port, {
    path: `/api/call/${name}`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(args),
  });

describe('the browser UI server (watch --ui-port)', () => {
  it('prints a loopback URL that carries a long random token', () => {
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
    expect(ui.url).toContain(ui.token);
  });

  it('serves the page with a strict CSP and no framing', async () => {
    const page = await raw(ui.port, { path: '/' });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Concur Drop</title>');
    expect(page.headers['content-security-policy']).toMatch(
      /default-src 'none'.*script-src 'self'/,
    );
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const script = await raw(ui.port, { path: '/assets/app.js' });
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
  });

  it('answers a call that carries the token', async () => {
    const answer = await call('getSummary', [], { 'x-concur-drop-token': ui.token });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).result.roots).toEqual([h.root]);
  });

  it('refuses calls without the token or with a wrong one', async () => {
    expect((await call('getSummary', [])).status).toBe(403);
    expect((await call('getSummary', [], { 'x-concur-drop-token': 'guess' })).status).toBe(403);
    const almost = ui.token.slice(0, -1) + (ui.token.endsWith('A') ? 'B' : 'A');
    expect((await call('pause', [], { 'x-concur-drop-token': almost })).status).toBe(403);
    expect(h.engine.summary().pausedBy).toBeNull();
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin, even with the token', async () => {
    const token = { 'x-concur-drop-token': ui.token };
    expect(
      (await call('getSummary', [], { ...token, host: `evil.example:${ui.port}` })).status,
    ).toBe(403);
    expect((await call('getSummary', [], { ...token, host: '127.0.0.1:1' })).status).toBe(403);
    expect((await raw(ui.port, { path: '/', headers: { host: 'evil.example' } })).status).toBe(403);
    const foreign = await call('pause', [], { ...token, origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(h.engine.summary().pausedBy).toBeNull();
    const own = await call('getSummary', [], {
      ...token,
      host: `localhost:${ui.port}`,
      origin: `http://localhost:${ui.port}`,
    });
    expect(own.status).toBe(200);
  });

  it('refuses arguments that do not fit the contract, and unknown calls', async () => {
    const token = { 'x-concur-drop-token': ui.token };
    expect((await call('retry', [42], token)).status).toBe(400);
    expect((await call('getJobs', ['everything'], token)).status).toBe(400);
    expect((await call('deleteEverything', [], token)).status).toBe(404);
    const form = await raw(ui.port, {
      path: '/api/call/pause',
      method: 'POST',
      headers: { ...token, 'content-type': 'text/plain' },
      body: '[]',
    });
    expect(form.status).toBe(415);
  });

  it('answers an oversized call body with 413 without keeping it, and stays up', async () => {
    /** Streams `mb` MiB of JSON whitespace; resolves with the status the server answered. */
    const post = (mb: number, declared?: number) =>
      new Promise<number | string>((resolve) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: ui.port,
            path: '/api/call/saveSettings',
            method: 'POST',
            headers: {
              host: `127.0.0.1:${ui.port}`,
              'content-type': 'application/json',
              'x-concur-drop-token': ui.token,
              ...(declared ? { 'content-length': String(declared) } : {}),
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', (e) => resolve(`error ${e.message}`));
        const chunk = Buffer.alloc(1024 * 1024, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent < mb) {
            sent++;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          req.end();
        };
        pump();
      });
    expect(await post(3)).toBe(413); // chunked, past the limit while reading
    expect(await post(3, 64 * 1024 * 1024)).toBe(413); // a declared length past the limit
    const after = await call('getSummary', [], { 'x-concur-drop-token': ui.token });
    expect(after.status).toBe(200);
  });

  it('never serves a file outside the built renderer', async () => {
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/assets/link.js',
      '/%00',
    ]) {
      const answer = await raw(ui.port, { path });
      expect(answer.status, path).toBeGreaterThanOrEqual(400);
      expect(answer.body, path).not.toContain('TOP-SECRET');
    }
  });

  it('builds the browser handlers itself when given only the stores (as the CLI starts it)', async () => {
    const own = await startUiServer({
      engine: h.engine,
      settingsStore: h.settingsStore,
      secrets: h.secrets,
      port: 0,
      staticDir: join(staticDir, 'site'),
    });
    try {
      const answer = await raw(own.port, {
        path: '/api/call/getAppInfo',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-concur-drop-token': own.token },
        body: '[]',
      });
      expect(JSON.parse(answer.body).result.mode).toBe('browser');
      expect(own.token).not.toBe(ui.token);
    } finally {
      await own.close();
    }
  });

  it('streams engine events to a page that has the token, and refuses the stream without it', async () => {
    expect((await raw(ui.port, { path: '/api/events' })).status).toBe(403);
    expect((await raw(ui.port, { path: '/api/events?token=nope' })).status).toBe(403);

    const seen: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: ui.port,
          path: `/api/events?token=${ui.token}`,
          headers: { host: `127.0.0.1:${ui.port}` },
        },
        (res) => {
          expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
          res.setEncoding('utf8');
          let buffer = '';
          res.on('data', (chunk: string) => {
            buffer += chunk;
            for (const m of buffer.matchAll(/event: (\w+)\ndata: (.*)\n\n/g)) {
              const payload = JSON.parse(m[2]);
              if (m[1] === 'job' && payload.name === 'sse.jpg') seen.push(payload.state);
              if (seen.includes('uploaded')) {
                req.destroy();
                resolve();
              }
            }
          });
        },
      );
      req.on('error', (e) => (seen.includes('uploaded') ? resolve() : reject(e)));
      req.end();
    });
    await new Promise((r) => setTimeout(r, 100));
    await h.drop('sse.jpg', jpeg());
    await done;
    expect(seen[0]).not.toBe('uploaded');
    expect(seen).toContain('uploaded');
  });
});
