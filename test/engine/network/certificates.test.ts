import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createConcurClient } from '../../../main/engine/concur/concur-client.js';
import { createTransport, type Transport } from '../../../main/engine/network/transport.js';
import { startSandbox, type Sandbox } from '../../../main/sandbox/sandbox.js';
import { png } from '../../fixtures/scans.js';
import { makeTestCa, type TestCa } from '../../helpers/test-ca.js';
import { startTinyproxy, type Tinyproxy } from '../../helpers/tinyproxy.js';

/**
 * Concur behind a company's TLS inspection: the sandbox over HTTPS with a
 * certificate from a root no store trusts, until the caFile names it.
 */

const TOKEN = 'tls-test-token';
let ca: TestCa;
let sandbox: Sandbox;
let proxy: Tinyproxy;
let dir: string;
let caFile: string;
let scan: string;
const transports: Transport[] = [];

beforeAll(async () => {
  ca = await makeTestCa();
  sandbox = await startSandbox({ token: TOKEN, tls: ca.server });
  proxy = await startTinyproxy({ connectPorts: [sandbox.port] });
  dir = await mkdtemp(join(tmpdir(), 'concur-tls-'));
  caFile = join(dir, 'company-root.pem');
  await writeFile(caFile, ca.caCert);
  scan = join(dir, 'a.png');
  await writeFile(scan, png());
});
afterAll(async () => {
  await Promise.all([sandbox?.close(), proxy?.stop()]);
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
  for (const t of transports.splice(0)) t.close();
  sandbox.reset();
});

function upload(options: Parameters<typeof createTransport>[0]) {
  const transport = createTransport(options);
  transports.push(transport);
  const client = createConcurClient({
    baseUrl: sandbox.url,
    authScheme: 'OAuth',
    getToken: async () => TOKEN,
    transport,
  });
  return client.uploadImage({ kind: 'receipt' }, scan);
}

const refusal = () =>
  `The secure connection to 127.0.0.1:${sandbox.port} was refused: its certificate was issued by "${ca.issuer}", ` +
  'which this computer does not trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE). If your company inspects secure traffic, ' +
  'ask IT for its root certificate and set caFile, or install it in the system’s trust store.';

describe('a company certificate authority', () => {
  it('unknown: the upload is refused, naming the issuer, and nothing reaches Concur', async () => {
    const outcome = await upload({});
    expect(outcome).toMatchObject({ kind: 'transient', message: refusal() });
    expect(sandbox.requests()).toBe(0);
  });

  it('named by caFile: the upload goes through', async () => {
    const outcome = await upload({ caFile });
    expect(outcome.kind).toBe('uploaded');
    expect(sandbox.received()).toHaveLength(1);
  });

  it('never trusted because NODE_TLS_REJECT_UNAUTHORIZED=0 says so', async () => {
    vi.stubEnv('NODE_TLS_REJECT_UNAUTHORIZED', '0');
    const outcome = await upload({});
    expect(outcome).toMatchObject({ kind: 'transient', message: refusal() });
    expect(sandbox.requests()).toBe(0);
  });

  it('through a proxy: refused with the issuer named without the caFile, accepted with it', async () => {
    const before = proxy.tunnels().length;
    expect(await upload({ proxy: proxy.url })).toMatchObject({ message: refusal() });
    expect((await upload({ proxy: proxy.url, caFile })).kind).toBe('uploaded');
    expect(proxy.tunnels()).toHaveLength(before + 2);
    expect(sandbox.received()).toHaveLength(1);
  });

  it('a caFile that is missing or holds no certificate is said in plain words', async () => {
    const missing = join(dir, 'nope.pem');
    expect(await upload({ caFile: missing })).toMatchObject({
      kind: 'transient',
      message: `The certificate file ${missing} (caFile) cannot be read: there is no such file.`,
    });
    const notPem = join(dir, 'root.der');
    await writeFile(notPem, Buffer.from([0x30, 0x82, 0x01, 0x0a]));
    expect(await upload({ caFile: notPem })).toMatchObject({
      message: `The certificate file ${notPem} (caFile) holds no certificate: it must be PEM text ("-----BEGIN CERTIFICATE-----").`,
    });
  });
});
