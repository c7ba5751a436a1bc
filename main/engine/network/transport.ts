import type { Agent } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import { resolve } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Post, PostLimits, Reply } from '../concur/streamed-post.js';
import { msg } from '../i18n/translate.js';
import { createLogger, registerSecret } from '../log/logger.js';
import {
  DIRECT,
  NetworkSetupError,
  proxyFromEnv,
  proxyFromPac,
  proxySettingIssue,
  type ProxyResolver,
} from './proxy-choice.js';
import { trustedRoots } from './trusted-roots.js';

/**
 * How a request leaves the machine (docs/architecture.md#company-networks):
 * through which proxy, trusting which certificates. Any request (uploads,
 * token calls) takes a route from one transport; the route's agent keeps
 * connections alive per proxy, so a CONNECT tunnel is reused like a direct
 * connection. TLS verification is always on: `rejectUnauthorized` is set
 * here so that not even NODE_TLS_REJECT_UNAUTHORIZED=0 turns it off.
 */

export interface NetworkOptions {
  /** The `proxy` setting: a proxy URL, or "direct"; unset = the host's resolver, else the environment. */
  proxy?: string;
  /** The `caFile` setting: PEM certificates trusted besides Node's and the OS's. */
  caFile?: string;
  /** The desktop's per-URL resolution (Electron's session.resolveProxy: PAC, system settings). */
  resolveProxy?: ProxyResolver;
  /** Trust the OS store too; default true. */
  systemRoots?: boolean;
  /** The host's own network stack, for proxies that ask for Windows login (see HostPoster). */
  hostPoster?: HostPoster;
}

/**
 * A POST made whole by the host's own network stack (the desktop: Chromium,
 * through Electron's `net`), which can sign in to a proxy that asks for
 * Windows login (NTLM, Kerberos) with the user's own login; Node cannot.
 * It goes the way the OS resolver says, so it stands in only for proxies
 * the resolver named (docs/architecture.md#proxies-that-ask-for-windows-login).
 */
export type HostPoster = (post: Post, limits: PostLimits, proxy: URL | undefined) => Promise<Reply>;

/** Sign-in schemes Node cannot answer and Chromium can, with the user's Windows login. */
const WINDOWS_LOGIN = /^(ntlm|negotiate|kerberos)$/i;

const log = createLogger('network');

/** One request's way out: its agent, and the proxy it tunnels through, if any. */
export interface Route {
  agent: Agent;
  proxy?: URL;
  /** Set when the request goes through the host's network stack instead (its proxy asks for Windows login). */
  host?: HostPoster;
}

export interface Transport {
  /** The route for `url`; throws NetworkSetupError when a setting (caFile, proxy) cannot be used. */
  route(url: URL): Promise<Route>;
  /** Closes every kept-alive connection. */
  close(): void;
  /**
   * `proxy` refused with 407 offering these sign-in schemes. True when the
   * host can sign in with them: from now on requests through that proxy go
   * through the host, and the refused one may go again at once.
   */
  asksForLogin?(proxy: URL, schemes: readonly string[]): boolean;
}

/** The words for each way a `proxy` setting cannot be used. */
const PROXY_ISSUES = {
  notUrl: 'network.proxyNotUrl',
  notHttp: 'network.proxyNotHttp',
  userinfo: 'network.proxyUserinfo',
} as const;

/** Builds a transport; nothing is read until the first route. Throws NetworkSetupError for a bad `proxy`. */
export function createTransport(options: NetworkOptions = {}): Transport {
  const issue = options.proxy ? proxySettingIssue(options.proxy) : null;
  if (issue) throw new NetworkSetupError(msg(PROXY_ISSUES[issue]));
  let roots: Promise<string[]> | undefined;
  let secureContext: SecureContext | undefined;
  const agents = new Map<string, Agent>();
  /** Proxies (the resolver's) that asked for Windows login: the host signs in to them. */
  const viaHost = new Set<string>();

  /**
   * The environment's answer, per origin: the variables are read once, not on
   * every upload (each read of one crosses into C++, and an answer takes a dozen).
   */
  const fromEnv = new Map<string, URL | null>();

  async function proxyFor(url: URL): Promise<URL | null> {
    if (options.proxy) return options.proxy === DIRECT ? null : new URL(options.proxy);
    if (options.resolveProxy) return proxyFromPac(await options.resolveProxy(url.href));
    let proxy = fromEnv.get(url.origin);
    if (proxy === undefined) fromEnv.set(url.origin, (proxy = proxyFromEnv(url)));
    return proxy;
  }

  /** The trust every TLS connection gets; read once, and again after a failure (the file may be fixed). */
  async function tlsOptions(): Promise<TlsOptions> {
    roots ??= trustedRoots({ caFile: options.caFile, system: options.systemRoots });
    const ca = await roots.catch((error: unknown) => {
      roots = undefined;
      throw error;
    });
    // One context for every connection: parsing a few hundred roots per handshake would cost
    // more than a small upload. requestOCSP: the handshake then reports the peer's certificate
    // before it is judged, so a refused one can be named by its issuer (streamed-post.ts).
    secureContext ??= createSecureContext({ ca });
    return { secureContext, rejectUnauthorized: true, requestOCSP: true };
  }

  async function makeAgent(url: URL, proxy: URL | null, tls: TlsOptions | undefined) {
    if (proxy) {
      if (proxy.password) registerSecret(decodeURIComponent(proxy.password));
      // Loaded only behind a proxy: a direct desk never pays for it at start.
      const { TunnelAgent } = await import('./tunnel-agent.js');
      return new TunnelAgent(proxy, tls);
    }
    return tls ? new https.Agent({ keepAlive: true, ...tls }) : new http.Agent({ keepAlive: true });
  }

  return {
    async route(url) {
      const proxy = await proxyFor(url);
      const key = `${url.protocol}|${proxy?.href ?? DIRECT}`;
      let agent = agents.get(key);
      if (!agent) {
        // Plain http (the sandbox on loopback) needs no certificates: none are read for it.
        const secure = url.protocol === 'https:' || proxy?.protocol === 'https:';
        const tls = secure ? await tlsOptions() : undefined;
        const made = await makeAgent(url, proxy, tls);
        agent = agents.get(key) ?? made;
        agents.set(key, agent);
      }
      const host = proxy && viaHost.has(proxy.href) ? options.hostPoster : undefined;
      return { agent, ...(proxy ? { proxy } : {}), ...(host ? { host } : {}) };
    },
    asksForLogin(proxy, schemes) {
      // The host goes the OS's way: a proxy named by the `proxy` setting stays with Node.
      if (!options.hostPoster || options.proxy || !options.resolveProxy) return false;
      if (!schemes.some((scheme) => WINDOWS_LOGIN.test(scheme))) return false;
      if (!viaHost.has(proxy.href))
        log.info('proxy asks for Windows login', { proxy: proxy.host, schemes });
      viaHost.add(proxy.href);
      return true;
    },
    close() {
      for (const agent of agents.values()) agent.destroy();
      agents.clear();
    },
  };
}

export interface TlsOptions {
  secureContext: SecureContext;
  rejectUnauthorized: true;
  requestOCSP: boolean;
}

/** The transport the `proxy` and `caFile` settings ask for; a relative caFile is relative to `configDir`. */
export function transportForSettings(
  settings: { proxy?: string; caFile?: string },
  host: { configDir?: string; resolveProxy?: ProxyResolver; hostPoster?: HostPoster } = {},
): Transport {
  return createTransport({
    proxy: settings.proxy,
    caFile: settings.caFile && resolve(host.configDir ?? process.cwd(), settings.caFile),
    resolveProxy: host.resolveProxy,
    hostPoster: host.hostPoster,
  });
}
