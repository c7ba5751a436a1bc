import { spawn } from 'node:child_process';
import { dirname } from 'node:path';

/**
 * The OS file manager for hosts without Electron's `shell` (the browser view
 * of `concur-drop watch --ui-port`). Argument arrays, never a shell, so no
 * file name is ever interpreted as a command.
 */

function launch(command: string, args: string[]): Promise<boolean> {
  return new Promise((resolveLaunch) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: true, windowsHide: true });
    child.once('error', () => resolveLaunch(false));
    child.once('spawn', () => {
      child.unref();
      resolveLaunch(true);
    });
  });
}

/** Shows a file in its folder: Explorer and Finder select it; on Linux xdg-open opens its folder. */
export function defaultReveal(path: string): Promise<boolean> {
  switch (process.platform) {
    case 'win32':
      return launch('explorer.exe', ['/select,', path]);
    case 'darwin':
      return launch('open', ['-R', path]);
    default:
      // xdg-open has no "select this file": the folder is the closest it gets.
      return launch('xdg-open', [dirname(path)]);
  }
}

/** Opens a folder in the file manager. */
export function defaultOpenPath(path: string): Promise<boolean> {
  switch (process.platform) {
    case 'win32':
      return launch('explorer.exe', [path]);
    case 'darwin':
      return launch('open', [path]);
    default:
      return launch('xdg-open', [path]);
  }
}

/** Opens an http(s) address in the default browser (the CLI's sign-in); false when nothing could. */
export function defaultOpenUrl(url: string): Promise<boolean> {
  if (!/^https?:\/\//i.test(url)) return Promise.resolve(false);
  switch (process.platform) {
    case 'win32':
      // Not `start`: that needs a shell, and an address is not to be read by one.
      return launch('rundll32.exe', ['url.dll,FileProtocolHandler', url]);
    case 'darwin':
      return launch('open', [url]);
    default:
      return launch('xdg-open', [url]);
  }
}
