import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The headless `concur-drop` command: one ESM file that plain `node` runs, with
// npm dependencies left external (they are installed beside it).
export default defineConfig({
  build: {
    ssr: resolve('main/cli/index.ts'),
    outDir: 'out/cli',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rollupOptions: {
      output: { entryFileNames: 'concur-drop.js', banner: '#!/usr/bin/env node' },
    },
  },
});
