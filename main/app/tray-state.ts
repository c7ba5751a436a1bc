import { basename } from 'node:path';
import { english, type Translator } from '../engine/i18n/translate.js';
import type { Summary } from '../engine/types.js';

/**
 * What the tray shows, derived from the engine's Summary and nothing else
 * (docs/architecture.md#how-the-code-reads: derived state is never stored twice). Pure, so every state is
 * tested from real Summary objects; tray.ts only hands the result to Electron.
 */

/** One icon per state; the most urgent condition wins. */
export type TrayState = 'idle' | 'uploading' | 'paused' | 'sign-in' | 'failed' | 'unavailable';

/** Every state, most urgent first. */
export const TRAY_STATES: readonly TrayState[] = [
  'sign-in',
  'unavailable',
  'failed',
  'paused',
  'uploading',
  'idle',
];

/** What a menu item does; tray.ts maps each to the engine or the window. */
export type TrayAction =
  | { type: 'open' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'retryFailed' }
  | { type: 'openRoot'; root: string }
  | { type: 'settings' }
  | { type: 'quit' };

export interface TrayMenuItem {
  label?: string;
  type?: 'separator';
  enabled?: boolean;
  action?: TrayAction;
  submenu?: TrayMenuItem[];
}

export interface TrayView {
  state: TrayState;
  tooltip: string;
  /** The first, disabled line of the menu. */
  status: string;
  menu: TrayMenuItem[];
}

/** Conditions that are not in the Summary: the keychain and the settings file. */
export interface TrayExtras {
  /** Set when the OS keychain cannot be used. */
  keychainMessage?: string;
  /** Set when the settings file had to be recovered. */
  settingsWarning?: string;
}

/** The state the tray icon shows. */
export function trayState(s: Summary): TrayState {
  if (s.pausedBy === 'sign-in') return 'sign-in';
  if (s.unavailableRoots.length > 0) return 'unavailable';
  if (s.failed > 0) return 'failed';
  if (s.pausedBy === 'user' || s.pausedBy === 'disk-full') return 'paused';
  if (s.waiting + s.queued + s.uploading > 0) return 'uploading';
  return 'idle';
}

/** "2 uploading · 3 waiting · 1 failed · 14 uploaded today" — only the parts that are not zero. */
export function countsLine(s: Summary, tr: Translator = english): string {
  const parts: string[] = [];
  const add = (key: string, n: number) => parts.push(tr.t(`tray.counts.${key}`, { count: n }));
  if (s.uploading) add('uploading', s.uploading);
  if (s.waiting + s.queued) add('waiting', s.waiting + s.queued);
  if (s.paused) add('held', s.paused);
  if (s.failed) add('failed', s.failed);
  add('uploadedToday', s.uploadedToday);
  return parts.join(' · ');
}

function statusLine(state: TrayState, s: Summary, tr: Translator): string {
  switch (state) {
    case 'sign-in':
      return s.signInNeeded?.length
        ? tr.t('tray.signInFor', { accounts: s.signInNeeded.join(', ') })
        : tr.t('tray.signIn');
    case 'unavailable':
      return s.unavailableRoots.length === 1
        ? tr.t('tray.unavailableOne', {
            name: basename(s.unavailableRoots[0]) || s.unavailableRoots[0],
          })
        : tr.t('tray.unavailableMany', { n: s.unavailableRoots.length });
    case 'failed':
      return tr.t('tray.failed', { count: s.failed });
    case 'paused':
      return tr.t(s.pausedBy === 'disk-full' ? 'tray.diskFull' : 'tray.paused');
    case 'uploading':
      return s.uploading ? tr.t('tray.uploading', { count: s.uploading }) : tr.t('tray.settling');
    case 'idle':
      if (!s.roots.length) return tr.t('tray.noFolder');
      // "All done" only once something was done; before the first scan it would say nothing true.
      return tr.t(s.uploaded + s.duplicate + s.uploadedToday > 0 ? 'tray.allDone' : 'tray.ready');
  }
}

/** The icon, tooltip and menu for a summary, in the given language. */
export function trayView(s: Summary, extras: TrayExtras = {}, tr: Translator = english): TrayView {
  const state = trayState(s);
  const status = statusLine(state, s, tr);
  const notes: string[] = [];
  if (extras.keychainMessage) notes.push(tr.t('tray.keychain'));
  if (extras.settingsWarning) notes.push(tr.t('tray.recovered'));
  // Windows cuts tray tooltips at 127 characters.
  const counts = countsLine(s, tr);
  const tooltip = [tr.t('tray.tooltip', { status }), counts, ...notes].join('\n').slice(0, 127);

  const menu: TrayMenuItem[] = [
    { label: status, enabled: false },
    { label: counts, enabled: false },
    ...notes.map((label) => ({ label, enabled: false })),
    { type: 'separator' },
    { label: tr.t('tray.open'), action: { type: 'open' } },
    s.pausedBy === 'user'
      ? { label: tr.t('tray.resume'), action: { type: 'resume' } }
      : {
          label: tr.t('tray.pause'),
          // While Concur refuses the token, pausing adds nothing: sign in instead.
          enabled: s.pausedBy !== 'sign-in',
          action: { type: 'pause' },
        },
    {
      label: tr.t('tray.retry', { n: s.failed }),
      enabled: s.failed > 0,
      action: { type: 'retryFailed' },
    },
    {
      label: tr.t('tray.folders'),
      enabled: s.roots.length > 0,
      submenu: s.roots.map((root) => ({
        label: root,
        enabled: !s.unavailableRoots.includes(root),
        action: { type: 'openRoot', root },
      })),
    },
    { type: 'separator' },
    { label: tr.t('tray.settings'), action: { type: 'settings' } },
    { label: tr.t('tray.quit'), action: { type: 'quit' } },
  ];
  return { state, tooltip, status, menu };
}
