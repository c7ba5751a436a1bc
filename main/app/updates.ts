import type { AppUpdater } from 'electron-updater';
import { createLogger } from '../engine/log/logger.js';
import type { PolicyState } from '../engine/settings/policy.js';

/**
 * Updates for IT-managed installs (docs/architecture.md#managed-policy):
 * looked for only when the organisation's policy names a feed
 * (`"updates": { "feedUrl": … }`); `"off"` or no policy, never. A new version
 * is downloaded in the background and installed when Concur Drop quits:
 * nothing here ever quits or restarts the app, and the quit itself first
 * stops the engine (quit.ts), so an update never cuts an upload short.
 * electron-updater fetches through Chromium's network stack (its own
 * session), so it follows the OS proxy settings and trust store like the
 * rest of the desktop.
 */

const log = createLogger('updates');

/** Looked for again this often while the app runs. */
const CHECK_EVERY_MS = 4 * 60 * 60 * 1000;

export interface UpdateOptions {
  policy: PolicyState;
  /** The updater; default electron-updater's for this platform (loaded only when a feed is set). */
  updater?: () => AppUpdater | Promise<AppUpdater>;
  checkEveryMs?: number;
}

export interface Updates {
  /** Looks for an update now (and downloads it); resolves when that is done or has failed. */
  check(): Promise<void>;
  stop(): void;
}

/** Starts looking for updates if the policy names a feed; null when updates are off. */
export async function setupUpdates(options: UpdateOptions): Promise<Updates | null> {
  const updates = options.policy.policy?.updates;
  if (!updates || updates === 'off') {
    log.info('updates off', { reason: updates === 'off' ? 'policy' : 'no feed in a policy' });
    return null;
  }
  const updater = await (options.updater?.() ??
    import('electron-updater').then((m) => m.autoUpdater));
  updater.logger = {
    info: (message: unknown) => log.info(String(message)),
    warn: (message: unknown) => log.warn(String(message)),
    error: (message: unknown) => log.error(String(message)),
    debug: () => undefined,
  };
  updater.setFeedURL({ provider: 'generic', url: updates.feedUrl });
  updater.autoDownload = true;
  // Installed when the user quits (or logs off), after the engine stopped; never mid-upload.
  updater.autoInstallOnAppQuit = true;
  updater.on('update-available', (info) => log.info('update found', { version: info.version }));
  updater.on('update-downloaded', (info) =>
    log.info('update downloaded; it is installed when Concur Drop quits', {
      version: info.version,
    }),
  );
  updater.on('error', (error: Error) => log.warn('update failed', { error: error.message }));

  const check = async () => {
    try {
      const result = await updater.checkForUpdates();
      await result?.downloadPromise;
    } catch (error) {
      // Said in the log; the next check tries again.
      log.warn('update check failed', { error: (error as Error).message });
    }
  };
  const timer = setInterval(() => void check(), options.checkEveryMs ?? CHECK_EVERY_MS);
  timer.unref?.();
  return { check, stop: () => clearInterval(timer) };
}
