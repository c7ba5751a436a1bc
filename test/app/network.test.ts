import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { setupEngine, type AppContext } from '../../main/app/engine-host.js';
import { startSandbox, type Sandbox } from '../../main/sandbox/index.js';
import { png } from '../fixtures/scans.js';
import { makeTestCa } from '../helpers/test-ca.js';
import { startTinyproxy, type Tinyproxy } from '../helpers/tinyproxy.js';
import { fake, session } from './fake-electron.js';
import { until } from './helpers.js';

/**
 * The desktop on a company network: the proxy comes from Chromium's
 * resolution (a PAC answer, through the Electron stand-in), the company's
 * root from the OS trust store, and Concur is the sandbox over HTTPS.
 */

const TOKEN = 'desktop-network-token';
let dataDir: string;
let scans: string;
let sandbox: Sandbox;
let proxy: Tinyproxy;
let ctx: AppContext;
const saved = { token: process.env.CONCUR_DROP_TOKEN, certFile: process.env.SSL_CERT_FILE };

beforeAll(async () => {
  fake.reset();
  fake.app.becomeReady();
  const ca = await makeTestCa();
  sandbox = await startSandbox({ token: TOKEN, tls: ca.server });
  proxy = await startTinyproxy({ connectPorts: [sandbox.port] });
  dataDir = await mkdtemp(join(tmpdir(), 'concur-drop-net-data-'));
  scans = await mkdtemp(join(tmpdir(), 'concur-drop-net-scans-'));
  // The company root sits in the OS store only (on Linux read from SSL_CERT_FILE), not in any setting.
  const caFile = join(dataDir, 'os-store.pem');
  await writeFile(caFile, ca.caCert);
  process.env.SSL_CERT_FILE = caFile;
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
  ctx = await setupEngine({ dataDir, version: '0.1.0', parentWindow: () => null });
  await ctx.engine.start();
}, 30_000);

afterAll(async () => {
  await ctx?.engine.stop();
  for (const [key, value] of [
    ['CONCUR_DROP_TOKEN', saved.token],
    ['SSL_CERT_FILE', saved.certFile],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await Promise.all([sandbox?.close(), proxy?.stop()]);
  await rm(dataDir, { recursive: true, force: true });
  await rm(scans, { recursive: true, force: true });
});

describe('the desktop app on a company network', () => {
  test('uploads through the proxy the PAC answer names, trusting the root in the OS store', async () => {
    session.defaultSession.pac = (_url, host) =>
      host === '127.0.0.1' ? `PROXY 127.0.0.1:${proxy.port}; DIRECT` : 'DIRECT';
    await writeFile(join(scans, 'a.png'), png());
    await until(() => sandbox.received().length === 1, 20_000);
    expect(proxy.tunnels()).toEqual([`127.0.0.1:${sandbox.port}`]);
    expect(session.defaultSession.resolved).toContain(`${sandbox.url}/api/image/v1.0/receipt`);
  });

  test('asks again per upload: a PAC answer of DIRECT goes past the proxy', async () => {
    session.defaultSession.pac = () => 'DIRECT';
    await writeFile(join(scans, 'b.png'), png(40, 30));
    await until(() => sandbox.received().length === 2, 20_000);
    expect(proxy.tunnels()).toHaveLength(1);
  });

  test('"Check connection" goes the way uploads go', async () => {
    session.defaultSession.pac = () => `PROXY 127.0.0.1:${proxy.port}`;
    const result = await ctx.handlers.checkConnection();
    expect(result.ok, result.message).toBe(true);
    expect(proxy.tunnels()).toHaveLength(2);
  });
});
