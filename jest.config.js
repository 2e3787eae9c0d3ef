// Tests transpile with SWC (decorator metadata kept for Nest); type checking is `npm run lint`.
const swc = JSON.parse(require('fs').readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swc.$schema;
const transform = { '^.+\\.(ts|js|mjs)$': ['@swc/jest', swc] };
// NestJS 12 and uuid ship as ESM; Jest's module system needs them transpiled to CommonJS.
const transformIgnorePatterns = ['/node_modules/(?!(@nestjs|uuid|parse5|entities)/)'];

// Specs that drive headless Chromium are named *.browser.spec.ts, so a new one lands in its tier.
const BROWSER_SPEC = '\\.browser\\.spec\\.ts$';

const project = (displayName, extra) => ({
  displayName,
  rootDir: __dirname,
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns,
  ...extra,
});
// One embedded PostgreSQL per run, migrated into a template that each test file clones. Jest runs
// a global setup file once per run however many projects name it, so db and browser share it.
const withPostgres = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testTimeout: 60000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    // Pure units beside the source: no database, no browser.
    project('unit', { testMatch: ['<rootDir>/src/**/*.spec.ts'] }),
    // Integration and end-to-end over HTTP against real PostgreSQL.
    project('db', {
      testMatch: ['<rootDir>/test/**/*.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', BROWSER_SPEC],
      ...withPostgres,
    }),
    // End-to-end through real headless Chromium (playwright-core, /usr/bin/chromium).
    project('browser', { testMatch: ['<rootDir>/test/**/*.browser.spec.ts'], ...withPostgres }),
  ],
};
