import type { Config } from 'jest';

const config: Config = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // With `isolatedModules` in tsconfig, ts-jest transpiles file by file (fast); `npm run typecheck`
  // does the whole-program type check once.
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  testTimeout: 20000,
};

export default config;
