import { app, dialog } from 'electron';
import { join } from 'node:path';
import { createLogger } from '../engine/log/logger.js';
import { favourMemory } from '../engine/memory-saver.js';
import { optimiseSooner } from '../engine/tier-up.js';
import { setupAppUserModelId } from './app-user-model-id.js';
import { setupEngine } from './engine-host.js';
import { appIconFile, iconRoot } from './icons.js';
import { setupIpc } from './ipc.js';
import { appTranslator } from './language.js';
import { currentExecutable, HIDDEN_FLAG, setupLoginItem } from './login-item.js';
import { setupNotifications } from './notifications.js';
import { setupQuit } from './quit.js';
import { setupSingleInstance } from './single-instance.js';
import { setupTheme } from './theme.js';
import { setupTray } from './tray.js';
import { setupUpdates } from './updates.js';
import { setupWindow, type StatusWindow } from './window.js';

/**
 * The desktop app (docs/architecture.md#code-layout): one line per concern, each in its own file
 * (Electron Fiddle style). The engine owns all behaviour; the shell wires its
 * events to the tray, notifications and the window, and its verbs to IPC.
 */

const log = createLogger('app');

/** Starts Concur Drop; resolves once the engine is running. */
export async function main(argv: string[] = process.argv): Promise<void> {
  favourMemory();
  optimiseSooner();
  let window: StatusWindow | null = null;
  if (!setupSingleInstance(() => window?.show())) return;
  setupAppUserModelId();
  await app.whenReady();

  const appPath = app.getAppPath();
  const icons = iconRoot({
    packaged: app.isPackaged,
    resourcesPath: process.resourcesPath,
    appPath,
  });
  const ctx = await setupEngine({
    dataDir: app.getPath('userData'),
    version: app.getVersion(),
    parentWindow: () => window?.browserWindow ?? null,
  });
  const { engine, settingsStore } = ctx;
  const win = setupWindow({
    rendererFile: join(appPath, 'out', 'renderer', 'index.html'),
    preloadFile: join(appPath, 'out', 'preload', 'index.cjs'),
    icon: appIconFile(icons),
    devTools: !app.isPackaged,
  });
  window = win;
  setupIpc({ handlers: ctx.handlers, window: win, engine });
  const quit = setupQuit({ engine, onQuitting: () => win.allowClose() });
  const tray = setupTray({
    engine,
    window: win,
    iconRoot: icons,
    extras: () => ({
      keychainMessage: ctx.keychainMessage(),
      settingsWarning: settingsStore.warning,
    }),
    translator: () => appTranslator(settingsStore.get().language),
    quit,
  });
  setupNotifications({
    engine,
    window: win,
    enabled: () => settingsStore.get().notifications,
    translator: () => appTranslator(settingsStore.get().language),
  });
  setupLoginItem(settingsStore, {
    platform: process.platform,
    exePath: currentExecutable(),
    packaged: app.isPackaged,
  });
  settingsStore.onChange(() => tray.refresh());
  setupTheme(settingsStore);

  await engine.start();
  const updates = await setupUpdates({ policy: ctx.policy });
  void updates?.check();
  log.info('started', { version: app.getVersion(), folders: settingsStore.get().folders.length });
  // First run, or settings that had to be recovered: straight to Settings.
  // A start at login otherwise stays in the tray.
  if (settingsStore.get().folders.length === 0 || settingsStore.warning) win.show('settings');
  else if (!argv.includes(HIDDEN_FLAG)) win.show('status');
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  log.error('could not start', { error: message });
  dialog.showErrorBox('Concur Drop could not start', message);
  app.exit(1);
});
