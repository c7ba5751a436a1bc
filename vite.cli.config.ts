import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The headless `concur-drop` command: one ESM file that plain `node` runs, with
// npm dependencies left external (they are installed beside it), but for zod.

/**
 * How `concur-drop` starts node (npm's command shims on Windows read `env -S`
 * too). An 8 MB young generation from the start: a backlog makes some 200 KB
 * of short-lived objects per receipt, and V8's default 1 MB nursery then
 * scavenges every few receipts. A scavenge costs what survives it, not what
 * died, so eight times the room means a tenth of the scavenges, and a tenth
 * less CPU per receipt; 16 MB was no measurably faster and holds more memory
 * (docs/architecture.md#performance-targets).
 */
const CLI_SHEBANG = '#!/usr/bin/env -S node --min-semi-space-size=8';

export default defineConfig({
  // zod goes into the bundle: loaded from node_modules it is about a hundred files, which cost
  // every start (`watch`, `status`, each scripted call) some 50 ms to find, read and link.
  ssr: { noExternal: ['zod'] },
  build: {
    ssr: true,
    outDir: 'out/cli',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rollupOptions: {
      // The preparing worker (main/engine/prepare/) is its own entry: a worker thread loads it by path.
      input: {
        'concur-drop': resolve('main/cli/index.ts'),
        'prepare-worker': resolve('main/engine/prepare/prepare-worker.ts'),
      },
      output: {
        entryFileNames: '[name].js',
        // Only the command itself is started by its first line; the other files are imported.
        banner: (chunk) => (chunk.isEntry && chunk.name === 'concur-drop' ? CLI_SHEBANG : ''),
      },
    },
  },
});
