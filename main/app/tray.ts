import { Menu, nativeImage, shell, Tray, type MenuItemConstructorOptions } from 'electron';
import type { Translator } from '../engine/i18n/translate.js';
import { createLogger } from '../engine/log/logger.js';
import type { Summary } from '../engine/types.js';
import { trayIconFile } from './icons.js';
import type { ShellEngine } from './shell-engine.js';
import { trayView, type TrayAction, type TrayExtras, type TrayMenuItem } from './tray-state.js';
import type { StatusWindow } from './window.js';

/**
 * The tray icon: it tells the truth about the engine's summary (tray-state.ts
 * decides what; this file only hands it to Electron). The menu is rebuilt and
 * set again on every change, because Linux (AppIndicator) shows a stale menu
 * otherwise.
 */

const log = createLogger('tray');

export interface TrayOptions {
  engine: ShellEngine;
  window: StatusWindow;
  iconRoot: string;
  /** Keychain and settings-file conditions, read on every render. */
  extras: () => TrayExtras;
  /** The language to speak, read on every render (the setting may change). */
  translator?: () => Translator;
  quit: () => void;
  platform?: NodeJS.Platform;
  /** For testing, like Signal's createTrayInstance. */
  createTray?: (image: Electron.NativeImage) => Tray;
}

export interface TrayHandle {
  readonly tray: Tray;
  /** Renders again, e.g. after the keychain or settings warning changed. */
  refresh(): void;
  dispose(): void;
}

/** Creates the tray icon and keeps it in step with the engine. */
export function setupTray(options: TrayOptions): TrayHandle {
  const { engine, window } = options;
  const platform = options.platform ?? process.platform;
  const image = (state: Parameters<typeof trayIconFile>[1]) => {
    const img = nativeImage.createFromPath(trayIconFile(options.iconRoot, state, platform));
    if (img.isEmpty()) log.warn('tray icon missing', { state });
    if (platform === 'darwin') img.setTemplateImage(true);
    return img;
  };

  const tray = (options.createTray ?? ((img) => new Tray(img)))(image('idle'));
  let shownState: string | null = null;

  const run = (action: TrayAction) => {
    switch (action.type) {
      case 'open':
        return window.show('status');
      case 'settings':
        return window.show('settings');
      case 'pause':
        return engine.pause();
      case 'resume':
        return engine.resume();
      case 'retryFailed':
        return void engine.retryAllFailed().catch((error: unknown) => {
          log.error('retry all failed did not finish', { error });
        });
      case 'openRoot':
        return void shell.openPath(action.root).then((problem) => {
          if (problem) log.warn('could not open the folder', { root: action.root, problem });
        });
      case 'quit':
        return options.quit();
    }
  };

  const toTemplate = (items: TrayMenuItem[]): MenuItemConstructorOptions[] =>
    items.map((item) =>
      item.type === 'separator'
        ? { type: 'separator' }
        : {
            label: item.label,
            enabled: item.enabled ?? true,
            ...(item.submenu ? { submenu: toTemplate(item.submenu) } : {}),
            ...(item.action ? { click: () => run(item.action as TrayAction) } : {}),
          },
    );

  const render = (summary: Summary) => {
    const view = trayView(summary, options.extras(), options.translator?.());
    if (view.state !== shownState) {
      tray.setImage(image(view.state));
      shownState = view.state;
    }
    tray.setToolTip(view.tooltip);
    tray.setContextMenu(Menu.buildFromTemplate(toTemplate(view.menu)));
  };

  const onClick = () => window.toggle();
  tray.on('click', onClick);
  engine.on('summary', render);
  render(engine.summary());

  return {
    tray,
    refresh: () => render(engine.summary()),
    dispose() {
      engine.off('summary', render);
      tray.destroy();
    },
  };
}
