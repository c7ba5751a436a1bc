import { nativeTheme } from 'electron';
import type { Settings } from '../engine/settings/schema.js';
import type { AppSettingsStore } from './settings-store.js';

/**
 * The window's colours follow `settings.theme`: "system" leaves them to the OS
 * (the page's prefers-color-scheme), light and dark pin them. Electron's
 * nativeTheme also colours native parts (menus, scrollbars, dialogs).
 */
export function setupTheme(settingsStore: Pick<AppSettingsStore, 'get' | 'onChange'>): () => void {
  const apply = (settings: Settings) => {
    if (nativeTheme.themeSource !== settings.theme) nativeTheme.themeSource = settings.theme;
  };
  apply(settingsStore.get());
  return settingsStore.onChange(apply);
}
