import { beforeEach, describe, expect, test } from 'vitest';
import { setupSingleInstance } from '../../main/app/single-instance.js';
import { fake } from './fake-electron.js';

beforeEach(() => fake.reset());

describe('single instance', () => {
  test('a second Concur Drop quits when another one holds the lock', () => {
    fake.app.lockGranted = false;
    const shown: string[][] = [];
    expect(setupSingleInstance((argv) => shown.push(argv))).toBe(false);
    expect(fake.app.quitCalls).toBe(1);
    expect(fake.app.quitted).toBe(true);
    expect(shown).toEqual([]);
  });

  test('the running one shows its window when the app is launched again', () => {
    const shown: string[][] = [];
    expect(setupSingleInstance((argv) => shown.push(argv))).toBe(true);
    expect(fake.app.lockRequests).toBe(1);
    expect(fake.app.quitCalls).toBe(0);
    fake.app.launchSecondInstance(['concur-drop', '--hidden']);
    expect(shown).toEqual([['concur-drop', '--hidden']]);
  });
});
