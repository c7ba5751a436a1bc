/**
 * Stand-in for the `electron` module in the shell's tests (installed once by
 * test/setup.ts). Records what the shell asks of Electron so tests can assert
 * on window options, tray menus, notifications and IPC.
 * Owned by the shell work; extended there as the shell grows.
 */
export const electronModule = {};
