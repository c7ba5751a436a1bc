import type { Settings } from '../../main/engine/settings/schema.js';

/**
 * Light or dark colours for the page. "system" leaves it to prefers-color-scheme
 * (which Electron's nativeTheme.themeSource also sets); light and dark pin the
 * CSS colour scheme through data-theme, so the browser view follows the setting too.
 */
export function applyTheme(theme: Settings['theme'], root: HTMLElement = document.documentElement) {
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}
