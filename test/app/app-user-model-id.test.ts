import { beforeEach, describe, expect, test } from 'vitest';
import { APP_ID, setupAppUserModelId } from '../../main/app/app-user-model-id.js';
import { fake } from './fake-electron.js';

beforeEach(() => fake.reset());

describe('the Windows app id', () => {
  test('is set on Windows to the installer’s appId, so toasts show', () => {
    setupAppUserModelId('win32');
    expect(fake.app.userModelId).toBe('com.concurdrop.app');
    expect(APP_ID).toBe('com.concurdrop.app');
  });

  test('is left alone elsewhere', () => {
    setupAppUserModelId('linux');
    setupAppUserModelId('darwin');
    expect(fake.app.userModelId).toBeNull();
  });
});
