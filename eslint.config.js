// ESLint flat config: typescript-eslint's recommended rules over the whole tree.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['.scratch/**', 'dist/**', 'node_modules/**', 'fixtures/generated/**', 'public/demo/**', 'test-results/**', 'playwright-report/**', 'dev-dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        window: 'readonly', document: 'readonly', navigator: 'readonly', self: 'readonly', console: 'readonly',
        process: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly',
        clearInterval: 'readonly', performance: 'readonly', crypto: 'readonly', URL: 'readonly', Blob: 'readonly',
        TextEncoder: 'readonly', TextDecoder: 'readonly', fetch: 'readonly', Response: 'readonly', indexedDB: 'readonly',
        structuredClone: 'readonly', queueMicrotask: 'readonly', requestAnimationFrame: 'readonly', cancelAnimationFrame: 'readonly',
        Worker: 'readonly', location: 'readonly', globalThis: 'readonly', File: 'readonly', FileReader: 'readonly',
        ReadableStream: 'readonly', WritableStream: 'readonly', TransformStream: 'readonly', AbortController: 'readonly',
        caches: 'readonly', Request: 'readonly', Headers: 'readonly', localStorage: 'readonly', confirm: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error', 'warn'] }],
    },
  },
  {
    files: ['scripts/**', 'e2e/**'],
    rules: { 'no-console': 'off' },
  },
);
