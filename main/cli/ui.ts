import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SignInPort } from '../engine/api/sign-in-port.js';
import type { Engine } from '../engine/engine.js';
import { fileSettingsStore } from '../engine/settings/config-file.js';
import {
  envSecretStore,
  keychainSecretStore,
  layeredSecretStore,
} from '../engine/secrets/secret-store.js';
import { CommandError, EXIT } from './args.js';
import { cli } from './language.js';
import { machinePolicy } from './host.js';

/**
 * `watch --ui-port N`: the status window served to a browser (issue 4). The
 * server module is loaded only when asked for, so plain `watch` never pays for it.
 */

export interface BrowserUi {
  url: string;
  close(): Promise<void>;
}

// The built renderer is out/renderer. From the built CLI (out/cli/, or a chunk
// in out/cli/assets/) it is up a level or two; from the sources (main/cli/,
// run through tsx) it is under out/ at the project root.
function rendererDir(): string {
  const tried: string[] = [];
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++, dir = dirname(dir)) {
    // Only a renderer/ inside out/: the project's own renderer/ holds the unbuilt sources.
    const candidates = [join(dir, 'out', 'renderer')];
    if (basename(dir) === 'out') candidates.push(join(dir, 'renderer'));
    for (const candidate of candidates) {
      if (existsSync(join(candidate, 'index.html'))) return candidate;
      tried.push(candidate);
    }
  }
  throw new CommandError(cli().t('cli.uiNotBuilt', { tried: tried.join(', ') }), EXIT.usage);
}

/** Starts the browser UI server on 127.0.0.1:port for a running engine. */
export async function startBrowserUi(options: {
  engine: Engine;
  configPath: string;
  port: number;
  account: string;
  signIn?: SignInPort;
}): Promise<BrowserUi> {
  const { startUiServer } = await import('../ui-server/ui-server.js');
  return startUiServer({
    engine: options.engine,
    settingsStore: fileSettingsStore(options.configPath, machinePolicy()),
    secrets: layeredSecretStore(envSecretStore(process.env), keychainSecretStore()),
    port: options.port,
    staticDir: rendererDir(),
    account: options.account,
    signIn: options.signIn,
  });
}
