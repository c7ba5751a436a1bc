import { createEngine } from '../main/engine/engine.js';
import { Ledger } from '../main/engine/ledger/ledger.js';
import { configureLogging } from '../main/engine/log/logger.js';
import { mergePdfBytes, type MergeInput } from '../main/engine/merge/merge-pdf.js';
import type { FileSystem } from '../main/engine/ports/file-system.js';
import type { Merger } from '../main/engine/stages/collecting.js';
import type { SimEngineFactory, SimWorld } from './engine-port.js';
import { RESCAN_MS } from './world/world.js';

/**
 * The engine `npm run sim` drives: the real one (main/engine/engine.ts),
 * built from the ports of one life of the simulated office. Everything that
 * could make two runs of a seed differ comes from the world: time, ids,
 * backoff jitter, the disk, the journal, the watchers and Concur.
 */

/** A missed event is found within the office's rescan period. */
const ROOT_RECHECK_MS = 5_000;
/** The simulated office never writes `concur-drop retry` requests: looking for them rarely is enough. */
const REQUESTS_MS = 60_000;

export const simEngine: SimEngineFactory = (world) => {
  let ids = 0;
  // The logger is one per process: its lines go to this life's output, which is scanned for the token.
  configureLogging({ dir: null, listener: (line) => world.output(line) });
  const engine = createEngine({
    settings: world.settings,
    dataDir: world.dataDir,
    getToken: () => world.token.get(),
    clock: world.clock,
    fs: world.fs,
    client: world.concur,
    merge: simMerger(world),
    openLedger: () => Ledger.openStore(world.journal, { now: () => world.clock.now() }),
    watch: (root, options) =>
      world.watch(root, {
        isIgnored: options.isIgnored,
        rescanMs: options.rescanMs,
        isKnown: options.isKnown,
      }),
    newId: () => `life${world.life.number}-${(++ids).toString(36)}`,
    random: () => world.random.next(),
    rescanMs: RESCAN_MS,
    rootRecheckMs: ROOT_RECHECK_MS,
    requestsMs: REQUESTS_MS,
  });
  let unsubscribe: (() => void) | undefined;
  return {
    async start() {
      await engine.start();
      unsubscribe = world.token.onChange(() => engine.tokenChanged());
    },
    async stop() {
      unsubscribe?.();
      await engine.stop();
    },
    crash() {
      // The world already cut this life's ports: its timers never fire, its I/O never answers.
      unsubscribe?.();
    },
    jobs: () => engine.jobs('all', Infinity),
    settled: () => engine.isIdle(),
  };
};

/**
 * merge-pdf's own PDF building, fed through the office's file system: no
 * real timers inside pdf-lib and dates from the virtual clock, so the merged
 * bytes, and Concur's image of them, are the same on every run of a seed.
 */
export function simMerger(world: Pick<SimWorld, 'fs' | 'clock'>): Merger {
  return async (inputs, out) => {
    const read: MergeInput[] = [];
    for (const input of inputs) {
      const name = input.path.slice(input.path.lastIndexOf('/') + 1);
      try {
        read.push({ name, bytes: await readWhole(world.fs, input.path), ...input });
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new Error(`Could not merge "${name}": ${why}`, { cause: error });
      }
    }
    const { bytes } = await mergePdfBytes(read, {
      objectsPerTick: Infinity,
      date: new Date(world.clock.now()),
    });
    await world.fs.writeFile(out, bytes);
    return { size: bytes.length };
  };
}

async function readWhole(fs: FileSystem, path: string): Promise<Uint8Array> {
  const handle = await fs.open(path);
  try {
    const { size } = await handle.stat();
    const bytes = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const n = await handle.read(bytes, at, size - at, at);
      if (n === 0) break;
      at += n;
    }
    return at === size ? bytes : bytes.subarray(0, at);
  } finally {
    await handle.close();
  }
}
