const os = require('node:os');

/** @type {import('jest').Config} */
module.exports = {
  // One worker per CPU (jest's default leaves one CPU idle): the test files are independent.
  maxWorkers: os.availableParallelism(),
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Transpile only (isolatedModules in tsconfig): `npm run typecheck` type-checks once, far faster than per file.
  transform: { '^.+\\.ts$': 'ts-jest' },
  // One synthesis per run: the shared, read-only assembly that synthesize() returns (test/helpers/synth.ts).
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  setupFilesAfterEnv: ['aws-cdk-lib/testhelpers/jest-autoclean'],
  snapshotFormat: { escapeString: false },
};
