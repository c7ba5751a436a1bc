import { join } from 'node:path';
import type { TrayState } from './tray-state.js';

/**
 * Where the icons made by scripts/make-icons.ts live, and which file each OS
 * wants. In a packaged app they sit beside the asar (extraResources), so the
 * tray can load them by path; in development they are read from build/.
 */

/** The folder holding tray/ and icon.png. */
export function iconRoot(opts: {
  packaged: boolean;
  resourcesPath: string;
  appPath: string;
}): string {
  return opts.packaged ? join(opts.resourcesPath, 'icons') : join(opts.appPath, 'build');
}

/**
 * Windows: 16 px (+ @2x, picked by Electron on HiDPI). macOS: a black "Template"
 * image the menu bar tints for light and dark. Linux panels draw 22–32 px.
 */
export function trayIconFile(root: string, state: TrayState, platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return join(root, 'tray', `${state}Template.png`);
    case 'win32':
      return join(root, 'tray', `${state}.png`);
    default:
      return join(root, 'tray', `${state}-32.png`);
  }
}

/** The 512 px app icon (window icon on Linux and Windows). */
export function appIconFile(root: string): string {
  return join(root, 'icon.png');
}
