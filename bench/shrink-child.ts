import { readFileSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import sharp from 'sharp';
import { createEngine } from '../main/engine/engine.js';
import { prepareInWorker } from '../main/engine/prepare/run-in-worker.js';
import { parseSettings } from '../main/engine/settings/schema.js';
import { startSandbox } from '../main/sandbox/sandbox.js';

/**
 * The engine's side of bench/shrink.ts, in a process of its own: the scan is
 * moved into a watched folder and timed until Concur (the sandbox) has it,
 * while the event loop's delay is sampled. Prints one JSON line.
 */

const [dir, source] = process.argv.slice(2);
const scans = join(dir, 'Scans');
await mkdir(scans, { recursive: true });
const sandbox = await startSandbox({ port: 0 });

// The worker is started once before the clock runs, as in a running app (it stays warm a while).
const warm = join(dir, 'warm.png');
await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } }).toFile(warm);
await prepareInWorker({
  path: warm,
  from: 'image/png',
  outDir: dir,
  outStem: 'warm',
  maxBytes: 10 * 1024 * 1024,
  shrink: true,
  mayAppendParts: false,
  split: 'none',
  blankPages: 'keep',
  maxPixels: 1e6,
});

const engine = createEngine({
  settings: parseSettings({
    concur: { baseUrl: sandbox.url, authScheme: 'OAuth' },
    folders: [{ path: scans }],
    settleMs: 0,
  }),
  dataDir: join(dir, 'data'),
  getToken: async () => sandbox.token,
});
await engine.start();
const restRss = process.memoryUsage().rss;
const delay = monitorEventLoopDelay({ resolution: 10 });
const done = new Promise<void>((resolve) =>
  engine.on('job', (job) => {
    if (job.state === 'uploaded' || job.state === 'failed') resolve();
  }),
);
delay.enable();
const started = performance.now();
await rename(source, join(scans, 'scan.pdf'));
await done;
const ms = performance.now() - started;
delay.disable();
const job = engine.jobs('all')[0];
if (job.state !== 'uploaded') {
  console.log(JSON.stringify({ error: job.error?.reason }));
  process.exit(1);
}
const [image] = sandbox.received();
await engine.stop();
await sandbox.close();
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
console.log(
  JSON.stringify({
    ms,
    size: image.size,
    dpi: 200,
    peakRss: hwm ? Number(hwm[1]) * 1024 : 0,
    restRss,
    eldP99: delay.percentile(99) / 1e6,
  }),
);
