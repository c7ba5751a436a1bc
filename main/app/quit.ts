import { app } from 'electron';
import { createLogger } from '../engine/log/logger.js';
import type { ShellEngine } from './shell-engine.js';

/**
 * The way out. The app lives in the tray, so closing the last window must not
 * quit; an explicit Quit first lets the windows close, then holds the exit
 * until the engine has stopped and the ledger writes in flight are on disk
 * (docs/architecture.md#the-ledger), then quits for real.
 */

const log = createLogger('quit');

export interface QuitOptions {
  engine: ShellEngine;
  /** Called when quitting starts, so the window stops hiding itself on close. */
  onQuitting: () => void;
  /** Longest wait for the engine before leaving anyway. */
  timeoutMs?: number;
}

/** Wires before-quit / will-quit; returns the function the Quit menu item calls. */
export function setupQuit({ engine, onQuitting, timeoutMs = 15_000 }: QuitOptions): () => void {
  let stopped = false;
  let stopping = false;

  // Without a listener Electron quits when the last window closes; we live in the tray.
  app.on('window-all-closed', () => {});
  app.on('before-quit', () => onQuitting());
  app.on('will-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    if (stopping) return;
    stopping = true;
    const timeout = new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        log.warn('the engine did not stop in time; quitting anyway');
        resolve();
      }, timeoutMs);
      t.unref?.();
    });
    void Promise.race([engine.stop(), timeout])
      .catch((error: unknown) => log.error('the engine did not stop cleanly', { error }))
      .finally(() => {
        stopped = true;
        log.info('engine stopped; quitting');
        app.quit();
      });
  });
  return () => app.quit();
}
