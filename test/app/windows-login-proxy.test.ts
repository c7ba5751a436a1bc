import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { electronNetPoster } from '../../main/app/electron-net-poster.js';
import { setupEngine, type AppContext } from '../../main/app/engine-host.js';
import { DeadlineExceeded } from '../../main/engine/concur/streamed-post.js';
import { startSandbox, type Sandbox } from '../../main/sandbox/index.js';
import { png } from '../fixtures/scans.js';
import { startTinyproxy, type Tinyproxy } from '../helpers/tinyproxy.js';
import { startWindowsLoginProxy, type WindowsLoginProxy } from '../helpers/windows-login-proxy.js';
import { fake, FakeClientRequest, session } from './fake-electron.js';
import { until } from './helpers.js';

/**
 * The desktop behind a proxy that asks for Windows login (NTLM/Kerberos),
 * which Node cannot answer: the upload goes through Chromium's network stack
 * (Electron's `net`, here its stand-in over Node http) and on through the
 * real tinyproxy to the sandbox. The negotiation itself cannot be played
 * here (no Windows domain, no Electron binary): the stand-in answers the
 * challenge with a placeholder, as Chromium would with the user's login.
 */

const TOKEN = 'windows-login-token';
let dataDir: string;
let scans: string;
let sandbox: Sandbox;
let tinyproxy: Tinyproxy;
let office: WindowsLoginProxy;
let ctx: AppContext;
const savedToken = process.env.CONCUR_DROP_TOKEN;

beforeAll(async () => {
  fake.reset();
  fake.app.becomeReady();
  sandbox = await startSandbox({ token: TOKEN });
  tinyproxy = await startTinyproxy({ connectPorts: [sandbox.port] });
  office = await startWindowsLoginProxy(tinyproxy.port);
  dataDir = await mkdtemp(join(tmpdir(), 'concur-drop-winlogin-data-'));
  scans = await mkdtemp(join(tmpdir(), 'concur-drop-winlogin-scans-'));
  process.env.CONCUR_DROP_TOKEN = TOKEN;
  await writeFile(
    join(dataDir, 'settings.json'),
    JSON.stringify({
      schemaVersion: 1,
      concur: { baseUrl: sandbox.url },
      folders: [{ path: scans }],
      settleMs: 100,
      afterUpload: 'keep',
    }),
  );
  session.defaultSession.pac = () => `PROXY 127.0.0.1:${office.port}`;
  ctx = await setupEngine({ dataDir, version: '0.1.0', parentWindow: () => null });
  await ctx.engine.start();
}, 30_000);

afterAll(async () => {
  await ctx?.engine.stop();
  if (savedToken === undefined) delete process.env.CONCUR_DROP_TOKEN;
  else process.env.CONCUR_DROP_TOKEN = savedToken;
  await office?.stop();
  await Promise.all([sandbox?.close(), tinyproxy?.stop()]);
  await rm(dataDir, { recursive: true, force: true });
  await rm(scans, { recursive: true, force: true });
});

describe('a proxy that asks for Windows login', () => {
  test('the upload goes through Chromium, which signs in, at the first attempt, whole and exact', async () => {
    const file = join(scans, 'a.png');
    await writeFile(file, png(50, 40));
    await until(() => sandbox.received().length === 1, 20_000);
    // Node's tunnel was refused; the same attempt went again through Chromium, which answered.
    expect(office.seen()).toEqual(['CONNECT refused', 'POST refused', 'POST signed-in']);
    expect(tinyproxy.requests()).toEqual([`POST ${sandbox.url}/api/image/v1.0/receipt`]);
    const bytes = await readFile(file);
    // The sandbox refuses chunked bodies and any Content-Length that is not exact.
    expect(sandbox.received()[0]).toMatchObject({
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    expect(FakeClientRequest.made.map((r) => r.signedIn)).toEqual([true]);
    const job = () => ctx.engine.jobs().find((j) => j.name === 'a.png');
    await until(() => job()?.state === 'uploaded', 5000);
    expect(job()?.attempts).toBe(1);
  });

  test('later uploads through that proxy go straight through Chromium', async () => {
    await writeFile(join(scans, 'b.png'), png(30, 20));
    await until(() => sandbox.received().length === 2, 20_000);
    expect(office.seen().slice(3)).toEqual(['POST refused', 'POST signed-in']);
  });
});

describe("Chromium's upload keeps Concur's limits", () => {
  let server: Server;
  let url: string;
  let answer: (res: ServerResponse) => void;
  let got: number[];
  beforeAll(async () => {
    session.defaultSession.pac = () => 'DIRECT';
    server = createServer((req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => {
        got.push(n);
        answer(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/image/v1.0/receipt`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });

  const limits = {
    connectMs: 1000,
    responseMs: 1000,
    socketMs: 2000,
    totalMs: 400,
    maxAnswerBytes: 1024,
  };
  async function* body(...sizes: number[]) {
    for (const size of sizes) yield Buffer.alloc(size, 7);
  }
  const post = (declared: number, ...sizes: number[]) =>
    electronNetPoster()(
      {
        url,
        headers: { 'content-length': String(declared) },
        body: body(...sizes),
        size: declared,
      },
      limits,
      undefined,
    );

  test('reads at most the answer cap, and stops at the deadline', async () => {
    got = [];
    answer = (res) => res.end('x'.repeat(5000));
    const long = await post(300, 100, 200);
    expect(got).toEqual([300]);
    expect(long).toMatchObject({ status: 200, bytes: 1024, cut: 'too long' });

    answer = () => undefined; // never answers
    const started = Date.now();
    const silent = await post(10, 10);
    expect(silent.error).toBeInstanceOf(DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('sends nothing when the body is not the length Concur was told', async () => {
    got = [];
    answer = (res) => res.end('ok');
    const reply = await post(500, 100);
    expect(reply.status).toBeUndefined();
    expect(String(reply.error)).toContain('not 500');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(got).toEqual([]);
  });
});
