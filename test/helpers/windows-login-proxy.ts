import { connect, createServer, type Socket } from 'node:net';

/**
 * An office proxy that asks for Windows login (407 offering Negotiate and
 * NTLM), in front of the real tinyproxy: a request carrying a Negotiate or
 * NTLM answer is passed on to tinyproxy byte for byte, any other is refused.
 * It checks no token: no Windows domain exists here, so what is tested is
 * who answers the challenge, not the negotiation.
 */
export interface WindowsLoginProxy {
  port: number;
  /** Each request as "METHOD signed-in|refused", in order. */
  seen(): string[];
  stop(): Promise<void>;
}

export async function startWindowsLoginProxy(upstreamPort: number): Promise<WindowsLoginProxy> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    let head = Buffer.alloc(0);
    const onData = (data: Buffer) => {
      head = Buffer.concat([head, data]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      client.off('data', onData);
      const text = head.subarray(0, end).toString('latin1');
      const method = text.split(' ')[0];
      if (!/^proxy-authorization:\s*(negotiate|ntlm)\s/im.test(text)) {
        seen.push(`${method} refused`);
        client.end(
          'HTTP/1.1 407 Proxy Authentication Required\r\n' +
            'Proxy-Authenticate: Negotiate\r\nProxy-Authenticate: NTLM\r\n' +
            'Content-Length: 0\r\nConnection: close\r\n\r\n',
        );
        return;
      }
      seen.push(`${method} signed-in`);
      const upstream = connect(upstreamPort, '127.0.0.1');
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      upstream.write(head);
      client.pipe(upstream).pipe(client);
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    seen: () => [...seen],
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
