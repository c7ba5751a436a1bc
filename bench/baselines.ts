import { spawn, fork } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CONCURRENCY, RECEIPT_HEADERS, RECEIPT_PATH } from './lib.js';

/**
 * The two uploaders the engine's backlog speed is compared with, each sending
 * the same files to the same sandbox with the same request the engine makes.
 */

/**
 * One curl process for every file, `--parallel-max` transfers at a time over
 * reused connections: a process per file would mostly measure process start-up.
 * The transfers go in a config file (`next` between them), since 2,000 on the
 * command line would be long. `Expect:` is blanked because the engine sends none.
 */
export async function curlParallel(files: string[], baseUrl: string, dir: string): Promise<void> {
  const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const headers = [...Object.entries(RECEIPT_HEADERS).map(([k, v]) => `${k}: ${v}`), 'Expect:'];
  const transfers = files.map((file) =>
    [
      `url = ${quote(baseUrl + RECEIPT_PATH)}`,
      `data-binary = ${quote('@' + file)}`,
      ...headers.map((h) => `header = ${quote(h)}`),
      'output = "/dev/null"',
      'fail',
    ].join('\n'),
  );
  const config = join(dir, 'curl-transfers.conf');
  await writeFile(config, transfers.join('\nnext\n') + '\n');
  await new Promise<void>((resolve, reject) => {
    const curl = spawn(
      'curl',
      [
        '--silent',
        '--show-error',
        '--parallel',
        '--parallel-max',
        String(CONCURRENCY),
        '-K',
        config,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    curl.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    curl.on('error', reject);
    curl.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`curl exited ${code}: ${stderr.trim()}`)),
    );
  });
}

/**
 * The minimal keep-alive Node uploader (minimal-uploader.ts), in its own
 * process like the CLI; resolves with the CPU time its uploads took, in ms.
 */
export async function nodeUploader(files: string[], baseUrl: string): Promise<number> {
  // fork() passes on this process's execArgv, so the child loads TypeScript the same way.
  const child = fork(join(import.meta.dirname, 'minimal-uploader.ts'), [], { stdio: 'inherit' });
  const answer = new Promise<{ cpuMs?: number; error?: string }>((resolve, reject) => {
    child.once('message', resolve);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the Node uploader exited ${code}`)));
  });
  child.send({
    url: baseUrl + RECEIPT_PATH,
    headers: RECEIPT_HEADERS,
    concurrency: CONCURRENCY,
    files,
  });
  const { cpuMs, error } = await answer;
  if (error !== undefined || cpuMs === undefined)
    throw new Error(`the Node uploader failed: ${error}`);
  return cpuMs;
}
