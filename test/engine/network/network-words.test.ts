import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createConcurClient } from '../../../main/engine/concur/concur-client.js';
import { translator, type Message } from '../../../main/engine/i18n/translate.js';
import { NetworkSetupError } from '../../../main/engine/network/proxy-choice.js';
import { createTransport, type Transport } from '../../../main/engine/network/transport.js';
import { png } from '../../fixtures/scans.js';

// A network setting that cannot be used (caFile, proxy) is said in the user's
// language like every other reason, naming the setting as the config file does.

const de = translator('de', 'de-DE');
const fr = translator('fr', 'fr-FR');
let dir: string;
let scan: string;
const transports: Transport[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'concur-network-words-'));
  scan = join(dir, 'a.png');
  await writeFile(scan, png());
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.unstubAllEnvs();
  for (const t of transports.splice(0)) t.close();
});

/** An upload's own words for what went wrong; nothing listens at the address, nothing is sent. */
async function uploadText(baseUrl: string, options: Parameters<typeof createTransport>[0]) {
  const transport = createTransport(options);
  transports.push(transport);
  const client = createConcurClient({
    baseUrl,
    authScheme: 'OAuth',
    getToken: async () => 'network-words-token',
    transport,
  });
  const outcome = await client.uploadImage({ kind: 'receipt' }, scan);
  expect(outcome.kind).toBe('transient');
  return (outcome as { text?: Message }).text!;
}

describe('network set-up problems in the user’s language', () => {
  it('a missing or non-PEM caFile, in German, with the file and the setting named', async () => {
    const missing = join(dir, 'nope.pem');
    const text = await uploadText('https://127.0.0.1:9/', { caFile: missing });
    expect(de.say(text)).toBe(
      `Die Zertifikatsdatei ${missing} (caFile) kann nicht gelesen werden: Es gibt sie nicht.`,
    );
    const notPem = join(dir, 'root.der');
    await writeFile(notPem, Buffer.from([0x30, 0x82, 0x01, 0x0a]));
    expect(fr.say(await uploadText('https://127.0.0.1:9/', { caFile: notPem }))).toBe(
      `Le fichier de certificats ${notPem} (caFile) ne contient aucun certificat : il doit être du texte PEM ("-----BEGIN CERTIFICATE-----").`,
    );
  });

  it('a proxy setting that cannot be used, in German, English kept for the log', () => {
    const error = (() => {
      try {
        createTransport({ proxy: 'socks5://proxy.example.com:1080' });
      } catch (e) {
        return e as NetworkSetupError;
      }
    })();
    expect(error).toBeInstanceOf(NetworkSetupError);
    expect(error!.message).toBe(
      'The proxy setting must be an http:// or https:// proxy (SOCKS is not supported).',
    );
    expect(de.say(error!.text)).toBe(
      'Die Proxy-Einstellung (proxy) muss ein http://- oder https://-Proxy sein (SOCKS wird nicht unterstützt).',
    );
  });

  it('a proxy in the environment that is no URL, in German', async () => {
    vi.stubEnv('HTTPS_PROXY', 'proxy with spaces');
    vi.stubEnv('NO_PROXY', '');
    const text = await uploadText('https://127.0.0.1:9/', {});
    expect(de.say(text)).toBe(
      'Der Proxy in der Umgebung (HTTPS_PROXY oder HTTP_PROXY) ist keine Adresse wie http://proxy.example.com:8080.',
    );
  });
});
