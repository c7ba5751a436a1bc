import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

const noElectron = {
  'no-restricted-imports': [
    'error',
    {
      paths: [
        { name: 'electron', message: 'The engine, CLI and sandbox are plain Node: no electron.' },
      ],
      patterns: [
        {
          group: ['electron/*', '**/app/*', '**/app/**'],
          message: 'The engine, CLI and sandbox must not reach into the Electron shell.',
        },
      ],
    },
  ],
};

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.tsbuild/**', 'docs/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  { files: ['main/engine/**', 'main/cli/**', 'main/sandbox/**'], rules: noElectron },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Raw IPC is reachable only through the typed contract (preload/contract.ts).
    files: ['main/app/**', 'preload/**', 'renderer/**'],
    ignores: ['main/app/ipc.ts', 'preload/index.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportSpecifier[imported.name='ipcMain']",
          message: 'Use the typed contract in main/app/ipc.ts.',
        },
        {
          selector: "ImportSpecifier[imported.name='ipcRenderer']",
          message: 'Use the typed contract in preload/index.ts.',
        },
      ],
    },
  },
);
