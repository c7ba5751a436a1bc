import { app } from 'electron';
import { createLogger } from '../engine/log/logger.js';

/**
 * One Concur Drop per user: two would watch the same folders and upload every
 * scan twice. A second launch (a click on the shortcut while the app sits in
 * the tray) brings the running app's window forward and then ends.
 */

const log = createLogger('single-instance');

/**
 * Takes the lock, or quits when another instance holds it. Returns whether
 * this instance goes on. `onSecondInstance` runs in the first instance.
 */
export function setupSingleInstance(onSecondInstance: (argv: string[]) => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    log.info('another Concur Drop is running: handing over to it');
    app.quit();
    return false;
  }
  app.on('second-instance', (_event, argv) => onSecondInstance(argv));
  return true;
}
