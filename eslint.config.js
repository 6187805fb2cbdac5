// Flat config: ESLint's recommended rules plus typescript-eslint's (syntax
// only, no type information: fast, and `npm run typecheck` covers types).
// typescript-eslint turns off `no-undef` for TypeScript files, where the
// compiler knows the globals; this file and eslint.boundaries.js are the only
// JavaScript linted.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import { boundaries } from './eslint.boundaries.js';

export default defineConfig(
  {
    ignores: ['dist/', 'node_modules/', 'e2e/artifacts/', 'test-results/', 'playwright-report/', 'out/', 'tmp/'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `_name` marks a parameter that an interface requires but the body does not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...boundaries,
);
