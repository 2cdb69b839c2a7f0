// Jest runs TypeScript through SWC (no type-check here: `npm run typecheck` does that once for the whole tree)
// in ESM mode, because oidc-provider, openid-client and jose are ESM-only packages.
const typescript = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2023' },
        module: { type: 'es6' },
      },
    ],
  },
};

/** @type {import('jest').Config} */
export default {
  // Both projects need the real Redis and MongoDB-wire server: started once for the whole run.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  maxWorkers: 2,
  // A global option only (jest-circus ignores a project's own): the e2e tests give theirs to `it` (60 s each).
  testTimeout: 30_000,
  projects: [
    {
      ...typescript,
      displayName: 'integration',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
    },
    {
      // Headless Chromium (Debian's, /usr/bin/chromium) driven by playwright-core: `npm run test:e2e` runs only
      // these. The whole story is one file with one browser, so its scenarios run one after the other; maxWorkers
      // is a global option only, so that file is what keeps the browser tests serial.
      ...typescript,
      displayName: 'e2e',
      roots: ['<rootDir>/test/e2e'],
      testMatch: ['**/*.test.ts'],
      // Pages that exist in English only (the development mailbox) are checked by the English run alone.
      testPathIgnorePatterns: ['/node_modules/', ...(process.env.E2E_LOCALE === 'de' ? ['\\.en\\.test\\.ts$'] : [])],
      slowTestThreshold: 30,
    },
  ],
};
