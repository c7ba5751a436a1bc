import { afterEach, beforeEach } from 'vitest';
import { systemClock } from '../../main/engine/ports.js';
import { isIgnoredPath } from '../../main/engine/routing/route.js';
import { RootWatcher, type RootWatcherOptions } from '../../main/engine/watch/watcher.js';
import { makeTempDir, waitFor } from './temp-dir.js';

/**
 * A real RootWatcher over a fresh temp folder per test, its events written
 * down as `"<event> <relPath>"` lines; closed and removed after each test.
 */
export interface WatchHarness {
  /** The test's temp folder. */
  readonly base: string;
  /** Events seen so far ("add a.pdf", "unlink a.pdf", "problem x symlink", …); tests may reset it. */
  events: string[];
  /** The watcher made by the last watch(). */
  readonly watcher: RootWatcher | undefined;
  /** Makes (not starts) a watcher of `root` that records its events. */
  watch(root: string, options?: Partial<RootWatcherOptions>): RootWatcher;
  /** Waits until every expected line was seen. */
  seen(...expected: string[]): Promise<unknown>;
}

export function useWatchHarness(prefix: string): WatchHarness {
  let base = '';
  let cleanup: () => Promise<void> = async () => undefined;
  let watcher: RootWatcher | undefined;
  const harness: WatchHarness = {
    get base() {
      return base;
    },
    events: [],
    get watcher() {
      return watcher;
    },
    watch(root, options = {}) {
      watcher = new RootWatcher(root, {
        polling: false,
        clock: systemClock,
        isIgnored: isIgnoredPath,
        ...options,
      });
      const events = () => harness.events;
      watcher.on('file', (rel, ev) => events().push(`${ev} ${rel}`));
      watcher.on('unlink', (rel) => events().push(`unlink ${rel}`));
      watcher.on('problem', (rel, code) => events().push(`problem ${rel} ${code}`));
      watcher.on('not-a-file', (rel) => events().push(`not-a-file ${rel}`));
      watcher.on('unavailable', () => events().push('unavailable'));
      watcher.on('available', () => events().push('available'));
      return watcher;
    },
    seen: (...expected) =>
      waitFor(() => expected.every((e) => harness.events.includes(e)), {
        timeoutMs: 5000,
        message: () => `saw: ${harness.events.join(', ')}`,
      }),
  };
  beforeEach(async () => {
    ({ path: base, cleanup } = await makeTempDir(prefix));
    harness.events = [];
  });
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
    await cleanup();
  });
  return harness;
}
