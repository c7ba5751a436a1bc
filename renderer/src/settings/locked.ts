import { html, nothing } from 'lit';
import { t } from '../i18n.js';
import type { SettingsView } from './settings-view.js';

/**
 * Settings the organisation's policy holds are shown, not edited
 * (docs/architecture.md#managed-policy). Main refuses a change to them
 * anyway; this says why the field does not move.
 */

export function isLocked(host: SettingsView, key: string): boolean {
  return host.view?.locked?.includes(key) ?? false;
}

/** The id of a locked field's note, for aria-describedby. */
export const lockedId = (key: string) => `locked-${key.replace(/\W/g, '-')}`;

/** "Set by your organisation" under a locked field, or nothing. */
export function lockedNote(host: SettingsView, key: string) {
  return isLocked(host, key)
    ? html`<p class="hint locked-note" id=${lockedId(key)}>${t('settings.locked')}</p>`
    : nothing;
}
