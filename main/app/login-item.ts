import { app } from 'electron';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../engine/log/logger.js';
import type { Settings } from '../engine/settings/schema.js';

/**
 * Start at login. Windows and macOS have an API for it (app.setLoginItemSettings);
 * Linux desktops follow the XDG autostart spec: a .desktop file in
 * ~/.config/autostart. The app starts hidden in the tray (`--hidden`).
 * On by default once the first folder is set up (`settings.startAtLogin`).
 */

const log = createLogger('login-item');

/** The flag a login start passes: stay in the tray, show no window. */
export const HIDDEN_FLAG = '--hidden';
const DESKTOP_FILE = 'concur-drop.desktop';

export interface LoginItemTarget {
  platform: NodeJS.Platform;
  /** The program to start: the AppImage when run from one, else the executable. */
  exePath: string;
  env?: NodeJS.ProcessEnv;
}

/** Whether the settings ask for start at login: on once the user has a folder to watch. */
export function wantsLoginItem(settings: Settings): boolean {
  return settings.startAtLogin && settings.folders.length > 0;
}

/** Where the Linux autostart entry lives: $XDG_CONFIG_HOME/autostart, else ~/.config/autostart. */
export function autostartFile(env: NodeJS.ProcessEnv = process.env): string {
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(config, 'autostart', DESKTOP_FILE);
}

/** Quotes one Exec argument as the Desktop Entry spec asks. */
function execArg(arg: string): string {
  if (!/[\s"'`$\\]/.test(arg)) return arg;
  return `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
}

/** The autostart entry's text. */
export function desktopEntry(exePath: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Concur Drop',
    'Comment=Uploads receipt and invoice scans to SAP Concur',
    `Exec=${execArg(exePath)} ${HIDDEN_FLAG}`,
    'Icon=concur-drop',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** Turns start at login on or off for this user. */
export async function applyLoginItem(enabled: boolean, target: LoginItemTarget): Promise<void> {
  if (target.platform === 'win32' || target.platform === 'darwin') {
    app.setLoginItemSettings({
      openAtLogin: enabled,
      path: target.platform === 'win32' ? target.exePath : undefined,
      args: target.platform === 'win32' ? [HIDDEN_FLAG] : undefined,
    });
    return;
  }
  const file = autostartFile(target.env);
  if (enabled) {
    await mkdir(join(file, '..'), { recursive: true });
    await writeFile(file, desktopEntry(target.exePath), { mode: 0o644 });
  } else {
    await rm(file, { force: true });
  }
}

/** The program a login start should launch. */
export function currentExecutable(env: NodeJS.ProcessEnv = process.env): string {
  // An AppImage runs from a temporary mount; APPIMAGE names the file itself.
  return env.APPIMAGE || process.execPath;
}

/**
 * Follows the setting from now on. In development (not packaged) it does
 * nothing: registering the bare Electron binary at login helps nobody.
 */
export function setupLoginItem(
  settings: { get(): Settings; onChange(listener: (s: Settings) => void): () => void },
  target: LoginItemTarget & { packaged: boolean },
): () => void {
  if (!target.packaged) return () => {};
  let applied: boolean | null = null;
  const apply = (s: Settings) => {
    const want = wantsLoginItem(s);
    if (want === applied) return;
    applied = want;
    applyLoginItem(want, target).catch((error: unknown) => {
      log.warn('could not change start at login', { error, enabled: want });
    });
  };
  apply(settings.get());
  return settings.onChange(apply);
}
