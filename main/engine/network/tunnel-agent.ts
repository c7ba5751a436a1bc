import type http from 'node:http';
import { HttpsProxyAgent } from 'https-proxy-agent';
import type { TlsOptions } from './transport.js';

type ConnectOptions = Parameters<HttpsProxyAgent<string>['connect']>[1];

/**
 * A CONNECT tunnel whose TLS to the far end keeps this transport's trust:
 * https-proxy-agent applies its own options only to the proxy's connection,
 * and passes on just the request's to the far end.
 */
export class TunnelAgent extends HttpsProxyAgent<string> {
  constructor(
    proxy: URL,
    private readonly tls: TlsOptions | undefined,
  ) {
    super(proxy, { keepAlive: true, ...tls });
  }

  override connect(req: http.ClientRequest, options: ConnectOptions) {
    return super.connect(req, { ...options, ...this.tls });
  }
}
