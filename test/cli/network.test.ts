import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../main/sandbox/sandbox.js';
import { png } from '../fixtures/scans.js';
import { makeTestCa, type TestCa } from '../helpers/test-ca.js';
import { startTinyproxy, type Tinyproxy } from '../helpers/tinyproxy.js';
import { buildCli, runCli, tempDir } from './cli-harness.js';

/** `concur-drop` on a company network: a proxy from the config or the environment. */

beforeAll(() => buildCli(), 120_000);

const TOKEN = 'network-test-token';
let sandbox: Sandbox;
let secure: Sandbox;
let ca: TestCa;
let caFile: string;
let proxy: Tinyproxy;
let locked: Tinyproxy;
let dir: string;
let cleanup: () => Promise<void>;
let scan: string;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, token: TOKEN });
  proxy = await startTinyproxy({ connectPorts: [sandbox.port] });
  locked = await startTinyproxy({
    connectPorts: [sandbox.port],
    basicAuth: { user: 'bob', password: 'not-given' },
  });
  ca = await makeTestCa();
  secure = await startSandbox({ port: 0, token: TOKEN, tls: ca.server });
  ({ dir, cleanup } = await tempDir());
  caFile = join(dir, 'company-root.pem');
  await writeFile(caFile, ca.caCert);
  scan = join(dir, 'a.png');
  await writeFile(scan, png());
});
afterAll(async () => {
  await Promise.all([sandbox?.close(), secure?.close(), proxy?.stop(), locked?.stop()]);
  await cleanup();
});
beforeEach(() => {
  sandbox.reset();
  secure.reset();
});

async function upload(
  config: object,
  env: Record<string, string | undefined> = {},
  baseUrl = sandbox.url,
) {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify({ concur: { baseUrl }, ...config }));
  return runCli(['upload', scan, '--config', file], {
    env: {
      CONCUR_DROP_TOKEN: TOKEN,
      CONCUR_DROP_HOME: join(dir, 'data'),
      HTTPS_PROXY: undefined,
      HTTP_PROXY: undefined,
      NO_PROXY: undefined,
      ...env,
    },
  });
}

describe('concur-drop behind a company proxy', { timeout: 90_000 }, () => {
  it('uploads through the proxy of the "proxy" config key', async () => {
    const before = proxy.tunnels().length;
    const r = await upload({ proxy: proxy.url });
    expect(r.code, r.stderr).toBe(0);
    expect(sandbox.received()).toHaveLength(1);
    expect(proxy.tunnels().slice(before)).toEqual([`127.0.0.1:${sandbox.port}`]);
  });

  it('uploads through HTTP_PROXY from the environment, and directly for NO_PROXY hosts', async () => {
    const before = proxy.tunnels().length;
    const through = await upload({}, { HTTP_PROXY: proxy.url });
    expect(through.code, through.stderr).toBe(0);
    expect(proxy.tunnels()).toHaveLength(before + 1);

    const bypass = await upload({}, { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    expect(bypass.code, bypass.stderr).toBe(0);
    expect(proxy.tunnels()).toHaveLength(before + 1);
    expect(sandbox.received()).toHaveLength(2);
  });

  it('says plainly when the proxy wants a sign-in it did not get (407), and exits 1', async () => {
    const r = await upload({ proxy: locked.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `The company proxy (127.0.0.1:${locked.port}) refused the connection (407): it asks for a sign-in Concur Drop could not give. Ask IT.`,
    );
    expect(sandbox.requests()).toBe(0);
  });

  it('refuses a proxy config key that is not a URL, naming the key (exit 2)', async () => {
    const r = await upload({ proxy: 'proxy.example.com' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'proxy: must be "direct" or a URL such as http://proxy.example.com:8080',
    );
  });
});

describe('concur-drop behind a company TLS inspection', { timeout: 90_000 }, () => {
  it('refuses a certificate from an unknown company root, naming its issuer (exit 1)', async () => {
    const r = await upload({}, {}, secure.url);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `its certificate was issued by "${ca.issuer}", which this computer does not trust`,
    );
    expect(secure.requests()).toBe(0);
  });

  it('trusts the company root named by the caFile config key (relative to the config file)', async () => {
    const r = await upload({ caFile: 'company-root.pem' }, {}, secure.url);
    expect(r.code, r.stderr).toBe(0);
    expect(secure.received()).toHaveLength(1);
  });

  it('trusts a company root installed in the OS trust store', async () => {
    // On Linux the OS store is read from SSL_CERT_FILE when it is set (Node alone ignores it).
    const r = await upload({}, { SSL_CERT_FILE: caFile }, secure.url);
    expect(r.code, r.stderr).toBe(0);
    expect(secure.received()).toHaveLength(1);
  });
});
