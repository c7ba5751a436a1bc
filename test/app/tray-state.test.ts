import { describe, expect, test } from 'vitest';
import { countsLine, trayState, trayView, type TrayMenuItem } from '../../main/app/tray-state.js';
import { summary } from './helpers.js';

const labels = (menu: TrayMenuItem[]) =>
  menu.map((i) => (i.type === 'separator' ? '---' : i.label));
const item = (menu: TrayMenuItem[], prefix: string) =>
  menu.find((i) => i.label?.startsWith(prefix));

describe('the tray state', () => {
  test('each engine condition maps to its own icon, the most urgent first', () => {
    expect(trayState(summary({ uploaded: 14, uploadedToday: 14 }))).toBe('idle');
    expect(trayState(summary({ uploading: 2, queued: 3 }))).toBe('uploading');
    expect(trayState(summary({ waiting: 1 }))).toBe('uploading');
    expect(trayState(summary({ pausedBy: 'user', queued: 4 }))).toBe('paused');
    expect(trayState(summary({ failed: 1, uploading: 2 }))).toBe('failed');
    expect(trayState(summary({ unavailableRoots: ['/mnt/share'], failed: 1 }))).toBe('unavailable');
    expect(trayState(summary({ pausedBy: 'sign-in', paused: 3, failed: 2 }))).toBe('sign-in');
  });

  test('a full data disk shows as held, saying why', () => {
    const s = summary({ pausedBy: 'disk-full', queued: 5 });
    expect(trayState(s)).toBe('paused');
    expect(trayView(s).tooltip).toContain('the disk is full');
  });

  test('the tooltip counts what is happening, like "2 uploading · 14 uploaded today"', () => {
    expect(countsLine(summary({ uploading: 2, uploadedToday: 14 }))).toBe(
      '2 uploading · 14 uploaded today',
    );
    const view = trayView(summary({ uploading: 2, queued: 1, failed: 1, uploadedToday: 14 }));
    expect(view.tooltip).toBe(
      'Concur Drop: 1 scan failed\n2 uploading · 1 waiting · 1 failed · 14 uploaded today',
    );
    expect(trayView(summary({ uploadedToday: 3 })).tooltip).toBe(
      'Concur Drop: All done\n3 uploaded today',
    );
  });

  test('the menu has a status line, the actions, and one entry per watched folder', () => {
    const view = trayView(
      summary({ roots: ['/home/anna/Scans', '/mnt/office/Receipts'], uploadedToday: 1 }),
    );
    expect(labels(view.menu)).toEqual([
      'All done',
      '1 uploaded today',
      '---',
      'Open Concur Drop',
      'Pause uploads',
      'Retry failed (0)',
      'Open watched folder',
      '---',
      'Settings…',
      'Quit Concur Drop',
    ]);
    expect(view.menu[0].enabled).toBe(false);
    const folders = item(view.menu, 'Open watched folder')!;
    expect(folders.submenu!.map((i) => i.action)).toEqual([
      { type: 'openRoot', root: '/home/anna/Scans' },
      { type: 'openRoot', root: '/mnt/office/Receipts' },
    ]);
  });

  test('Retry failed shows the count and is off when nothing failed', () => {
    expect(item(trayView(summary({ failed: 3 })).menu, 'Retry failed')).toMatchObject({
      label: 'Retry failed (3)',
      enabled: true,
      action: { type: 'retryFailed' },
    });
    expect(item(trayView(summary()).menu, 'Retry failed')!.enabled).toBe(false);
  });

  test('a user pause offers Resume; sign-in needed offers no pause', () => {
    expect(item(trayView(summary({ pausedBy: 'user' })).menu, 'Resume uploads')!.action).toEqual({
      type: 'resume',
    });
    const signIn = trayView(summary({ pausedBy: 'sign-in', paused: 2 }));
    expect(signIn.status).toBe('Sign-in needed: Concur refused the token');
    expect(item(signIn.menu, 'Pause uploads')!.enabled).toBe(false);
  });

  test('with several accounts, the status names the accounts that need sign-in', () => {
    const view = trayView(summary({ pausedBy: 'sign-in', paused: 1, signInNeeded: ['bob'] }));
    expect(trayState(summary({ pausedBy: 'sign-in', signInNeeded: ['bob'] }))).toBe('sign-in');
    expect(view.status).toBe('Sign-in needed for bob');
  });

  test('an unavailable folder is named and cannot be opened', () => {
    const view = trayView(
      summary({ roots: ['/home/anna/Scans', '/mnt/share'], unavailableRoots: ['/mnt/share'] }),
    );
    expect(view.status).toBe('Folder unavailable: share');
    const sub = item(view.menu, 'Open watched folder')!.submenu!;
    expect(sub.map((i) => i.enabled)).toEqual([true, false]);
  });

  test('with no folder yet the menu says so and has nothing to open', () => {
    const view = trayView(summary({ roots: [] }));
    expect(view.status).toBe('No folder watched yet');
    expect(item(view.menu, 'Open watched folder')!.enabled).toBe(false);
  });

  test('a missing keychain and a recovered settings file show in the tooltip and menu', () => {
    const view = trayView(summary(), {
      keychainMessage: 'No OS keychain is available',
      settingsWarning: 'kept as settings.corrupt-….json',
    });
    expect(view.tooltip).toContain('Keychain unavailable');
    expect(labels(view.menu)).toContain('Keychain unavailable: the token cannot be stored');
    expect(labels(view.menu)).toContain('Settings were recovered: see Settings');
  });
});
