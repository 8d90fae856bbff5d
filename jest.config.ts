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
  // Jest's default on 2 cores is one worker, i.e. every file in turn; most of a slow file's time is spent
  // waiting (child bots, PostgreSQL, timers), so two files overlap those waits.
  maxWorkers: 2,
};

export default config;
