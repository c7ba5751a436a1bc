import { vi } from 'vitest';

// The one mock in the suite: the Electron binary cannot run here, so the shell's
// tests get a faithful stand-in of the electron module (test/app/fake-electron.ts).
vi.mock('electron', async () => (await import('./app/fake-electron.js')).electronModule);
