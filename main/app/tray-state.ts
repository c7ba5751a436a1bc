import { basename } from 'node:path';
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

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "2 uploading · 3 waiting · 1 failed · 14 uploaded today" — only the parts that are not zero. */
export function countsLine(s: Summary): string {
  const parts: string[] = [];
  if (s.uploading) parts.push(`${s.uploading} uploading`);
  if (s.waiting + s.queued) parts.push(`${s.waiting + s.queued} waiting`);
  if (s.paused) parts.push(`${s.paused} on hold`);
  if (s.failed) parts.push(`${s.failed} failed`);
  parts.push(`${s.uploadedToday} uploaded today`);
  return parts.join(' · ');
}

function statusLine(state: TrayState, s: Summary): string {
  switch (state) {
    case 'sign-in':
      return s.signInNeeded?.length
        ? `Sign-in needed for ${s.signInNeeded.join(', ')}`
        : 'Sign-in needed: Concur refused the token';
    case 'unavailable':
      return s.unavailableRoots.length === 1
        ? `Folder unavailable: ${basename(s.unavailableRoots[0]) || s.unavailableRoots[0]}`
        : `${s.unavailableRoots.length} folders unavailable`;
    case 'failed':
      return `${plural(s.failed, 'scan')} failed`;
    case 'paused':
      return s.pausedBy === 'disk-full' ? 'Uploads wait: the disk is full' : 'Uploads paused';
    case 'uploading':
      return s.uploading
        ? `Uploading ${plural(s.uploading, 'scan')}`
        : 'Waiting for scans to settle';
    case 'idle':
      return s.roots.length ? 'All done' : 'No folder watched yet';
  }
}

/** The icon, tooltip and menu for a summary. */
export function trayView(s: Summary, extras: TrayExtras = {}): TrayView {
  const state = trayState(s);
  const status = statusLine(state, s);
  const notes: string[] = [];
  if (extras.keychainMessage) notes.push('Keychain unavailable: the token cannot be stored');
  if (extras.settingsWarning) notes.push('Settings were recovered: see Settings');
  // Windows cuts tray tooltips at 127 characters.
  const tooltip = [`Concur Drop: ${status}`, countsLine(s), ...notes].join('\n').slice(0, 127);

  const menu: TrayMenuItem[] = [
    { label: status, enabled: false },
    { label: countsLine(s), enabled: false },
    ...notes.map((label) => ({ label, enabled: false })),
    { type: 'separator' },
    { label: 'Open Concur Drop', action: { type: 'open' } },
    s.pausedBy === 'user'
      ? { label: 'Resume uploads', action: { type: 'resume' } }
      : {
          label: 'Pause uploads',
          // While Concur refuses the token, pausing adds nothing: sign in instead.
          enabled: s.pausedBy !== 'sign-in',
          action: { type: 'pause' },
        },
    { label: `Retry failed (${s.failed})`, enabled: s.failed > 0, action: { type: 'retryFailed' } },
    {
      label: 'Open watched folder',
      enabled: s.roots.length > 0,
      submenu: s.roots.map((root) => ({
        label: root,
        enabled: !s.unavailableRoots.includes(root),
        action: { type: 'openRoot', root },
      })),
    },
    { type: 'separator' },
    { label: 'Settings…', action: { type: 'settings' } },
    { label: 'Quit Concur Drop', action: { type: 'quit' } },
  ];
  return { state, tooltip, status, menu };
}
