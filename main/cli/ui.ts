import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../engine/engine.js';
import { fileSettingsStore } from '../engine/settings/config-file.js';
import {
  envSecretStore,
  keychainSecretStore,
  layeredSecretStore,
} from '../engine/secrets/secret-store.js';
import { CommandError, EXIT } from './args.js';

/**
 * `watch --ui-port N`: the status window served to a browser (issue 4). The
 * server module is loaded only when asked for, so plain `watch` never pays for it.
 */

export interface BrowserUi {
  url: string;
  close(): Promise<void>;
}

// The built renderer sits beside the built CLI (out/cli → out/renderer); from
// the sources (main/cli, run through tsx) it is in out/renderer at the root.
function rendererDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '../renderer'), join(here, '../../out/renderer')];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  if (!found)
    throw new CommandError(
      'The status window is not built: run "npm run build" first (looked in out/renderer).',
      EXIT.usage,
    );
  return found;
}

/** Starts the browser UI server on 127.0.0.1:port for a running engine. */
export async function startBrowserUi(options: {
  engine: Engine;
  configPath: string;
  port: number;
  account: string;
}): Promise<BrowserUi> {
  const { startUiServer } = await import('../ui-server/ui-server.js');
  return startUiServer({
    engine: options.engine,
    settingsStore: fileSettingsStore(options.configPath),
    secrets: layeredSecretStore(envSecretStore(process.env), keychainSecretStore()),
    port: options.port,
    staticDir: rendererDir(),
    account: options.account,
  });
}
