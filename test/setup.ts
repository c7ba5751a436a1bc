import { vi } from 'vitest';

// The one mock in the suite: the Electron binary cannot run here, so the shell's
// tests get a faithful stand-in of the electron module (test/app/fake-electron.ts).
vi.mock('electron', async () => (await import('./app/fake-electron.js')).electronModule);

// Tests read English words unless they ask for a language: a developer's own LANG must not
// turn error files and CLI lines German under them (test/cli/language.test.ts sets its own).
process.env.LC_ALL = 'C.UTF-8';
