import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// The layer rules (dependencies point inward, no cycles) are checked by dependency-cruiser: .dependency-cruiser.cjs.

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.cache/', '.data/', 'coverage/', 'bench/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // A function longer than a screen hides its steps: split it into named ones (STYLE.md).
    files: ['src/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 100, skipBlankLines: true, skipComments: true }] },
  },
  {
    files: ['scripts/**/*.ts', 'test/**/*.ts', 'src/main.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // Tests index into fixtures they just built; an assertion failing there is the test failing, as it should.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
