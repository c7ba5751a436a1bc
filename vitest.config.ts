import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: more workers only make the timing-sensitive watcher tests flaky.
    maxWorkers: 2,
    // electron-store imports 'electron' itself: inline it so the one mock reaches it too.
    server: { deps: { inline: ['electron-store'] } },
  },
});
