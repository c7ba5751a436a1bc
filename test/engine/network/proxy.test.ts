import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTransport } from '../../../main/engine/network/transport.js';
import { freePort, startTinyproxy, type Tinyproxy } from '../../helpers/tinyproxy.js';
import { translator, type Message } from '../../../main/engine/i18n/translate.js';
import { useSandboxClient } from '../concur/client-harness.js';

/**
 * Uploads through a real company-style proxy (tinyproxy on loopback, CONNECT
 * allowed only to the sandbox's port), as a desk behind one sends them.
 */

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

const h = useSandboxClient();
let open: Tinyproxy;
let locked: Tinyproxy;
let elsewhere: Tinyproxy;

beforeAll(async () => {
  open = await startTinyproxy({ connectPorts: [h.sandbox.port] });
  locked = await startTinyproxy({
    connectPorts: [h.sandbox.port],
    basicAuth: { user: 'alice', password: 'proxy-pass-9876' },
  });
  elsewhere = await startTinyproxy({ connectPorts: [443] });
});
afterAll(async () => {
  await Promise.all([open?.stop(), locked?.stop(), elsewhere?.stop()]);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('uploads through a company proxy', () => {
  it('go through the proxy named in the proxy setting, two uploads over one kept-alive tunnel', async () => {
    const transport = createTransport({ proxy: open.url });
    const client = h.client({ transport });
    const scan = await h.scan('a.png', PNG);
    expect((await client.uploadImage({ kind: 'receipt' }, scan)).kind).toBe('uploaded');
    expect((await client.uploadImage({ kind: 'report', id: 'R1' }, scan)).kind).toBe('uploaded');
    expect(h.sandbox.received()).toHaveLength(2);
    expect(open.tunnels()).toEqual([`127.0.0.1:${h.sandbox.port}`]);
    transport.close();
  });

  it('go through HTTP_PROXY from the environment, and past it for hosts in NO_PROXY', async () => {
    vi.stubEnv('HTTP_PROXY', open.url);
    vi.stubEnv('NO_PROXY', '');
    const before = open.tunnels().length;
    const scan = await h.scan('b.png', PNG);
    const viaProxy = createTransport();
    expect(
      (await h.client({ transport: viaProxy }).uploadImage({ kind: 'receipt' }, scan)).kind,
    ).toBe('uploaded');
    expect(open.tunnels()).toHaveLength(before + 1);
    viaProxy.close();

    vi.stubEnv('NO_PROXY', 'example.com,127.0.0.1');
    const bypass = createTransport();
    expect(
      (await h.client({ transport: bypass }).uploadImage({ kind: 'receipt' }, scan)).kind,
    ).toBe('uploaded');
    expect(open.tunnels()).toHaveLength(before + 1);
    expect(h.sandbox.received()).toHaveLength(2);
    bypass.close();
  });

  it('"direct" in the proxy setting ignores the environment', async () => {
    vi.stubEnv('HTTP_PROXY', `http://127.0.0.1:${await freePort()}`);
    const transport = createTransport({ proxy: 'direct' });
    const scan = await h.scan('c.png', PNG);
    expect((await h.client({ transport }).uploadImage({ kind: 'receipt' }, scan)).kind).toBe(
      'uploaded',
    );
    transport.close();
  });

  it('a proxy that asks for a sign-in (407) is reported in plain words, and Concur gets nothing', async () => {
    const transport = createTransport({ proxy: locked.url });
    const scan = await h.scan('d.png', PNG);
    const outcome = await h.client({ transport }).uploadImage({ kind: 'receipt' }, scan);
    expect(outcome).toMatchObject({ kind: 'transient' });
    expect('message' in outcome && outcome.message).toBe(
      `The company proxy (127.0.0.1:${locked.port}) refused the connection (407): it asks for a sign-in Concur Drop could not give. Ask IT.`,
    );
    expect(h.sandbox.requests()).toBe(0);
    transport.close();
  });

  it('proxy credentials from HTTPS_PROXY/HTTP_PROXY get through, and never show in what the user sees', async () => {
    vi.stubEnv('HTTP_PROXY', `http://alice:proxy-pass-9876@127.0.0.1:${locked.port}`);
    const transport = createTransport();
    const scan = await h.scan('e.png', PNG);
    const outcome = await h.client({ transport }).uploadImage({ kind: 'receipt' }, scan);
    expect(outcome.kind).toBe('uploaded');
    expect(JSON.stringify(outcome)).not.toContain('proxy-pass');
    transport.close();
  });

  it('a proxy that does not allow the Concur host is reported, naming proxy and host', async () => {
    const transport = createTransport({ proxy: elsewhere.url });
    const scan = await h.scan('f.png', PNG);
    const outcome = await h.client({ transport }).uploadImage({ kind: 'receipt' }, scan);
    expect('message' in outcome && outcome.message).toBe(
      `The company proxy (127.0.0.1:${elsewhere.port}) refused the connection to 127.0.0.1:${h.sandbox.port} (403): ask IT to allow it.`,
    );
    expect(h.sandbox.requests()).toBe(0);
    transport.close();
  });

  it('a proxy nobody answers at is reported as the proxy, not as Concur', async () => {
    const port = await freePort();
    const transport = createTransport({ proxy: `http://127.0.0.1:${port}` });
    const scan = await h.scan('g.png', PNG);
    const outcome = await h.client({ transport }).uploadImage({ kind: 'receipt' }, scan);
    expect(outcome).toMatchObject({ kind: 'transient' });
    expect('message' in outcome && outcome.message).toBe(
      `Could not reach the company proxy (127.0.0.1:${port}): the connection was refused. Check the proxy setting (or HTTPS_PROXY), or ask IT.`,
    );
    const text = (outcome as { text?: Message }).text;
    expect(translator('de').say(text!)).toContain('die Verbindung wurde abgelehnt');
    transport.close();
  });

  it('a proxy setting with a password in it is refused before anything is sent', () => {
    expect(() => createTransport({ proxy: 'http://alice:secret@proxy.example.com:8080' })).toThrow(
      'The proxy setting must not contain a user name or password (set HTTPS_PROXY in the environment instead).',
    );
  });
});

describe('a PAC answer', () => {
  it('names the first proxy it can use, or none for DIRECT', async () => {
    const { proxyFromPac } = await import('../../../main/engine/network/proxy-choice.js');
    expect(proxyFromPac('PROXY proxy.corp:8080; DIRECT')?.href).toBe('http://proxy.corp:8080/');
    expect(proxyFromPac('HTTPS secure.corp:443')?.href).toBe('https://secure.corp/');
    expect(proxyFromPac('SOCKS5 socks.corp:1080; PROXY proxy.corp:3128')?.host).toBe(
      'proxy.corp:3128',
    );
    expect(proxyFromPac('DIRECT')).toBeNull();
    expect(proxyFromPac('')).toBeNull();
  });
});
