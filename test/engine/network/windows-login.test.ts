import { describe, expect, it } from 'vitest';
import { schemesOf, type Reply } from '../../../main/engine/concur/streamed-post.js';
import { createTransport, type HostPoster } from '../../../main/engine/network/transport.js';

/**
 * Which requests go through the host's network stack
 * (docs/architecture.md#proxies-that-ask-for-windows-login): only those through a
 * proxy the OS resolver named, once it asked for a login Node cannot give.
 */

const host: HostPoster = async (): Promise<Reply> => ({ headers: {}, body: '', bytes: 0 });
const concur = new URL('https://www.concursolutions.com/api/image/v1.0/receipt');
const office = new URL('http://proxy.example.com:8080');

describe('a proxy that asks for Windows login', () => {
  it('reads the schemes a 407 offers, one header or several', () => {
    expect(schemesOf(['Negotiate', 'NTLM'])).toEqual(['Negotiate', 'NTLM']);
    expect(schemesOf('Basic realm="office", NTLM')).toEqual(['Basic', 'NTLM']);
    expect(schemesOf(undefined)).toEqual([]);
  });

  it('goes through the host once it asked for NTLM or Negotiate, and only then', async () => {
    const transport = createTransport({
      resolveProxy: async () => 'PROXY proxy.example.com:8080',
      hostPoster: host,
      systemRoots: false,
    });
    expect((await transport.route(concur)).host).toBeUndefined();
    // A password the user would have to type: the host has none to give either.
    expect(transport.asksForLogin!(office, ['Basic'])).toBe(false);
    expect((await transport.route(concur)).host).toBeUndefined();
    expect(transport.asksForLogin!(office, ['Negotiate', 'NTLM'])).toBe(true);
    expect((await transport.route(concur)).host).toBe(host);
    transport.close();
  });

  it('stays with Node for a proxy the setting names, or with no host (the CLI)', () => {
    const set = createTransport({
      proxy: office.href,
      hostPoster: host,
      resolveProxy: async () => 'DIRECT',
    });
    expect(set.asksForLogin!(office, ['NTLM'])).toBe(false);
    const cli = createTransport({});
    expect(cli.asksForLogin!(office, ['NTLM'])).toBe(false);
  });
});
