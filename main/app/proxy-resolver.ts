import { session } from 'electron';
import type { ProxyResolver } from '../engine/network/proxy-choice.js';

/**
 * The proxy for each Concur URL as Chromium resolves it
 * (docs/architecture.md#company-networks): PAC files, WPAD and the OS proxy
 * settings, which Node alone never reads. Asked per request, so a changed
 * PAC answer or a laptop moving between office and home takes effect on the
 * next upload. The answer ("PROXY host:port; DIRECT") goes to the engine's
 * transport.
 */
export function electronProxyResolver(): ProxyResolver {
  return (url) => session.defaultSession.resolveProxy(url);
}
