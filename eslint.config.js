import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Dependencies point inward: http → flows (linking, upstream, provider) → accounts/mail → store.
// Each entry forbids a folder from importing the layers that sit outside it.
const layers = [
  { folder: 'store', forbidden: ['http', 'linking', 'upstream', 'provider', 'accounts', 'mail', 'dev'] },
  { folder: 'accounts', forbidden: ['http', 'linking', 'upstream', 'provider', 'dev'] },
  { folder: 'mail', forbidden: ['http', 'linking', 'upstream', 'provider', 'dev'] },
  { folder: 'audit', forbidden: ['http', 'linking', 'upstream', 'provider', 'accounts', 'mail', 'dev'] },
  { folder: 'security', forbidden: ['http', 'linking', 'upstream', 'provider', 'accounts', 'mail', 'store', 'dev', 'config'] },
  { folder: 'metrics', forbidden: ['http', 'linking', 'upstream', 'provider', 'accounts', 'mail', 'store', 'dev'] },
  { folder: 'config', forbidden: ['http', 'linking', 'upstream', 'provider', 'accounts', 'mail', 'store', 'dev'] },
  { folder: 'linking', forbidden: ['http', 'dev'] },
  { folder: 'upstream', forbidden: ['http', 'dev'] },
  { folder: 'provider', forbidden: ['http', 'dev'] },
];

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
  ...layers.map(({ folder, forbidden }) => ({
    files: [`src/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: forbidden.map((f) => ({
            group: [`../${f}/*`, `../../${f}/*`],
            message: `src/${folder} must not depend on src/${f} (dependencies point inward, see README "Layout").`,
          })),
        },
      ],
    },
  })),
  {
    files: ['scripts/**/*.ts', 'test/**/*.ts', 'src/dev/**/*.ts', 'src/main.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // Tests index into fixtures they just built; an assertion failing there is the test failing, as it should.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
