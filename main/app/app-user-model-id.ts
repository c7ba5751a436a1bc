import { app } from 'electron';

/** The id electron-builder.yml gives the app (appId); Windows ties toasts and taskbar pins to it. */
export const APP_ID = 'com.concurdrop.app';

/**
 * Windows shows a notification only for an app whose AppUserModelID matches
 * its Start-menu shortcut (the NSIS installer makes one with APP_ID).
 */
export function setupAppUserModelId(platform: NodeJS.Platform = process.platform): void {
  if (platform === 'win32') app.setAppUserModelId(APP_ID);
}
