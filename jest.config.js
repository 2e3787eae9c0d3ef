// Tests transpile with SWC (decorator metadata kept for Nest); type checking is `npm run lint`.
const swc = JSON.parse(require('fs').readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swc.$schema;
const transform = { '^.+\\.(ts|js|mjs)$': ['@swc/jest', swc] };
// NestJS 12 and uuid ship as ESM; Jest's module system needs them transpiled to CommonJS.
const transformIgnorePatterns = ['/node_modules/(?!(@nestjs|uuid|parse5|entities)/)'];

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testTimeout: 60000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  projects: [
    // Pure units beside the source: no database, no network.
    {
      displayName: 'unit',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      transform,
      transformIgnorePatterns,
    },
    // Integration and end-to-end: one embedded PostgreSQL per run, a cloned database per file.
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/**/*.spec.ts'],
      transform,
      transformIgnorePatterns,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
