import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { pipeline } from 'node:stream/promises';

/**
 * The baseline the engine is held to (docs/architecture.md#performance-targets): the least a Node program
 * must do to send each file, run in its own process as the CLI is. Keep-alive
 * connections, each file streamed from disk with its exact Content-Length
 * (Concur refuses chunked bodies), `concurrency` uploads at a time. The parent
 * sends `{ url, headers, concurrency, files }` and gets `{ cpuMs }` (the CPU
 * time the uploads took, without loading this script) or `{ error }`.
 */

interface Order {
  url: string;
  headers: Record<string, string>;
  concurrency: number;
  files: string[];
}

process.once('message', (order: Order) => {
  const before = process.cpuUsage();
  uploadAll(order).then(
    () => {
      const { user, system } = process.cpuUsage(before);
      process.send!({ cpuMs: (user + system) / 1000 }, () => process.exit(0));
    },
    (error: Error) => process.send!({ error: error.message }, () => process.exit(1)),
  );
});

async function uploadAll({ url, headers, concurrency, files }: Order): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  const worker = async () => {
    while (next < files.length) await uploadOne(files[next++], url, headers, agent);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
}

async function uploadOne(
  file: string,
  url: string,
  headers: Record<string, string>,
  agent: Agent,
): Promise<void> {
  const { size } = await stat(file);
  const req = request(url, {
    method: 'POST',
    agent,
    headers: { ...headers, 'content-length': String(size) },
  });
  const answered = new Promise<number>((resolve, reject) => {
    req.once('response', (res) => {
      res.resume(); // the body must be read for the socket to go back to the pool
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', reject);
    });
    req.once('error', reject);
  });
  await pipeline(createReadStream(file), req);
  const status = await answered;
  if (status !== 201) throw new Error(`${file}: HTTP ${status}`);
}
