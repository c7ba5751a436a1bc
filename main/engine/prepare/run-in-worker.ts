import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PrepareRequest, PrepareResult } from './prepare-types.js';

/**
 * Runs prepareFile in a worker thread and answers its result, or rejects with
 * PrepareCancelled when `signal` aborts (the worker is terminated at once).
 * A worker that finished waits a few seconds for the next file (starting one
 * costs more than converting a receipt), then ends. The built app ships the
 * worker as `prepare-worker.js` beside its bundle; from sources (tests, tsx)
 * the TypeScript file runs through tsx.
 */

export class PrepareCancelled extends Error {
  constructor() {
    super('Preparing the file was cancelled.');
    this.name = 'PrepareCancelled';
  }
}

/** A worker's heap ceiling: pixels live in native memory; this bounds the JavaScript side. */
const WORKER_HEAP_MB = 256;
/** An idle worker ends after this long: the WebAssembly heaps of pdfium and libheif never shrink. */
const IDLE_MS = 5_000;

function startWorker(): Worker {
  const options = { resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } };
  // Beside the bundle's entry: this code may sit in the entry or in a chunk one folder down.
  for (const candidate of ['./prepare-worker.js', '../prepare-worker.js']) {
    const built = new URL(candidate, import.meta.url);
    if (existsSync(fileURLToPath(built))) return new Worker(built, options);
  }
  // From sources: tsx's loader is registered inside the worker, then the TypeScript entry runs.
  const tsx = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const entry = new URL('./prepare-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { ...options, eval: true });
}

let idle: { worker: Worker; timer: NodeJS.Timeout } | undefined;

function takeWorker(): Worker {
  if (!idle) return startWorker();
  const { worker, timer } = idle;
  idle = undefined;
  clearTimeout(timer);
  worker.ref();
  return worker;
}

function giveBack(worker: Worker): void {
  if (idle) {
    void worker.terminate();
    return;
  }
  worker.unref();
  const timer = setTimeout(() => {
    if (idle?.worker === worker) idle = undefined;
    void worker.terminate();
  }, IDLE_MS);
  timer.unref();
  idle = { worker, timer };
}

export function prepareInWorker(
  request: PrepareRequest,
  signal?: AbortSignal,
): Promise<PrepareResult> {
  if (signal?.aborted) return Promise.reject(new PrepareCancelled());
  const worker = takeWorker();
  return new Promise<PrepareResult>((resolve, reject) => {
    const finish = (fn: () => void) => {
      signal?.removeEventListener('abort', abort);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      fn();
    };
    const abort = () => {
      void worker.terminate();
      finish(() => reject(new PrepareCancelled()));
    };
    const onMessage = (message: { result?: PrepareResult; error?: string }) => {
      finish(() =>
        message.result ? resolve(message.result) : reject(new Error(message.error ?? 'no result')),
      );
      giveBack(worker);
    };
    const onError = (error: Error) => {
      void worker.terminate();
      finish(() => reject(error));
    };
    const onExit = (code: number) =>
      finish(() => reject(new Error(`the preparing worker stopped (exit code ${code})`)));
    signal?.addEventListener('abort', abort, { once: true });
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
    worker.postMessage(request);
  });
}
