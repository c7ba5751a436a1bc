import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The renderer alone, with the same settings as the renderer section of
// electron.vite.config.ts: the UI tests build it this way when the main or
// preload entries cannot be built (`npx vite build --config renderer/vite.config.ts`).
const here = dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  build: {
    outDir: resolve(here, '../out/renderer'),
    emptyOutDir: true,
    rollupOptions: { input: resolve(here, 'index.html') },
  },
});
