import { getProxyForUrl } from 'proxy-from-env';
import { english, msg, type Message } from '../i18n/translate.js';

/**
 * Which proxy, if any, a request to a URL goes through
 * (docs/architecture.md#company-networks). Three sources, one answer: a
 * `proxy` setting ("direct" = never a proxy), else what the host resolved for
 * the URL (the desktop asks Chromium, which applies PAC files and the OS
 * settings), else the HTTPS_PROXY / HTTP_PROXY / NO_PROXY variables.
 */

export {
  PROXY_DIRECT as DIRECT,
  proxySettingIssue,
  proxySettingProblem,
} from '../settings/schema.js';

/** What a host can resolve for a URL: a PAC answer such as "PROXY host:8080; DIRECT". */
export type ProxyResolver = (url: string) => Promise<string>;

/** The proxy named by the first usable entry of a PAC answer, or null for DIRECT. */
export function proxyFromPac(answer: string): URL | null {
  for (const entry of answer.split(';')) {
    const [kind, hostPort] = entry.trim().split(/\s+/);
    const word = kind?.toUpperCase();
    if (word === 'DIRECT') return null;
    if ((word === 'PROXY' || word === 'HTTP') && hostPort) return new URL(`http://${hostPort}`);
    if (word === 'HTTPS' && hostPort) return new URL(`https://${hostPort}`);
    // SOCKS entries: node:http has no SOCKS client here; the next entry may serve.
  }
  return null;
}

/** The proxy for `url` from the environment (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, minus NO_PROXY). */
export function proxyFromEnv(url: URL): URL | null {
  const found = getProxyForUrl(url.href);
  if (!found) return null;
  try {
    return new URL(found);
  } catch {
    throw new NetworkSetupError(msg('network.envProxy'));
  }
}

/** A network setting or the environment names something that cannot be used. */
export class NetworkSetupError extends Error {
  /** `message` in English for the log; `text` the same as a catalog key, for the user's language. */
  constructor(readonly text: Message) {
    super(english.say(text));
    this.name = 'NetworkSetupError';
  }
}

/** "proxy.example.com:8080": how a proxy is named in messages and logs, never with its password. */
export function proxyName(proxy: URL): string {
  return proxy.host;
}
