import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';

// main: the Electron shell (and the engine it hosts); preload: CommonJS, since a
// sandboxed preload cannot load ESM; renderer: the status/settings UI, also
// served to browsers by `concur-drop watch --ui-port`.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      externalizeDeps: true,
      // The preparing worker (main/engine/prepare/) is its own entry: a worker thread loads it by path.
      lib: {
        entry: {
          index: resolve('main/app/index.ts'),
          'prepare-worker': resolve('main/engine/prepare/prepare-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload can require nothing from node_modules: bundle zod in.
      externalizeDeps: false,
      lib: { entry: resolve('preload/index.ts'), formats: ['cjs'] },
      rollupOptions: { output: { entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: resolve('renderer'),
    base: './',
    build: {
      outDir: resolve('out/renderer'),
      rollupOptions: { input: resolve('renderer/index.html') },
    },
  },
});
