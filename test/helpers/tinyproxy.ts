import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real forward proxy on loopback: Debian's tinyproxy, started with a
 * generated config. CONNECT is allowed only to the ports named (a company
 * proxy's rule), optionally behind basic authentication.
 */

export interface Tinyproxy {
  url: string;
  port: number;
  /** The CONNECT requests it has seen, as "host:port". */
  tunnels(): string[];
  /** Every request it has seen, as "METHOD target" (an http:// request forwarded names its URL). */
  requests(): string[];
  stop(): Promise<void>;
}

/** A port nothing listens on (found free, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startTinyproxy(options: {
  connectPorts: number[];
  basicAuth?: { user: string; password: string };
}): Promise<Tinyproxy> {
  const dir = await mkdtemp(join(tmpdir(), 'tinyproxy-'));
  const port = await freePort();
  const log = join(dir, 'tinyproxy.log');
  const lines = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Timeout 30',
    `LogFile "${log}"`,
    'LogLevel Info',
    'MaxClients 50',
    'Allow 127.0.0.1',
    'DisableViaHeader Yes',
    ...options.connectPorts.map((p) => `ConnectPort ${p}`),
    ...(options.basicAuth
      ? [`BasicAuth ${options.basicAuth.user} ${options.basicAuth.password}`]
      : []),
  ];
  const config = join(dir, 'tinyproxy.conf');
  await writeFile(config, lines.join('\n') + '\n');
  const child: ChildProcess = spawn('tinyproxy', ['-d', '-c', config], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await untilListening(port, child);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    tunnels() {
      let text: string;
      try {
        text = readFileSync(log, 'utf8');
      } catch {
        return [];
      }
      return [...text.matchAll(/Request \(file descriptor \d+\): CONNECT (\S+) HTTP/g)].map(
        (m) => m[1],
      );
    },
    requests() {
      let text: string;
      try {
        text = readFileSync(log, 'utf8');
      } catch {
        return [];
      }
      return [...text.matchAll(/Request \(file descriptor \d+\): (\w+ \S+) HTTP/g)].map(
        (m) => m[1],
      );
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function untilListening(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tinyproxy exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error('tinyproxy did not start listening within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
