import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The headless `concur-drop` command: one ESM file that plain `node` runs, with
// npm dependencies left external (they are installed beside it).
export default defineConfig({
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
      output: { entryFileNames: '[name].js', banner: '#!/usr/bin/env node' },
    },
  },
});
