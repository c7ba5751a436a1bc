import { parentPort } from 'node:worker_threads';
import sharp from 'sharp';
import { prepareFile } from './prepare-file.js';
import type { PrepareRequest } from './prepare-types.js';

/**
 * The preparing worker's entry (docs/architecture.md#preparing-scans): files
 * come one at a time as messages, so decoding and encoding never hold the
 * engine's event loop, and cancelling one (the file changed, the app quits)
 * is `terminate()`. A worker is reused for the next file while it is warm.
 */

// One page at a time is the memory plan; libvips' operation cache would keep old ones.
sharp.cache(false);
// One libvips thread: pages go one at a time anyway, and each thread keeps its own malloc arena.
sharp.concurrency(1);

parentPort?.on('message', (request: PrepareRequest) => {
  prepareFile(request).then(
    (result) => parentPort?.postMessage({ result }),
    (error: unknown) =>
      parentPort?.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  );
});
