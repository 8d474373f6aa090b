/**
 * Jest runs TypeScript through SWC (fast, no type checking: `npm run typecheck`
 * does that once for the whole tree). Workspace packages resolve to their
 * sources, the same way tsconfig.json maps them for tsx and tsc.
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/data/', '/bench/gateway/\\.ab/'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
    // PGlite's CommonJS build loads its WebAssembly with import(), which jest's
    // sandbox allows only under --experimental-vm-modules; compile it to require().
    '/node_modules/@electric-sql/pglite/dist/.+\\.cjs$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!@electric-sql/pglite/)'],
  moduleNameMapper: {
    '^@shop/sdk$': '<rootDir>/gen/index.ts',
    '^@shop/sdk/(.*)$': '<rootDir>/gen/$1',
    '^@shop/kit$': '<rootDir>/services/kit/src/index.ts',
    '^@shop/kit/(.*)$': '<rootDir>/services/kit/src/$1',
  },
  testTimeout: 60000,
  // Without TEST_DATABASE_URL, the suites get the embedded PostgreSQL server (see the file).
  globalSetup: '<rootDir>/test/support/database-setup.ts',
  globalTeardown: '<rootDir>/test/support/database-teardown.ts',
};
