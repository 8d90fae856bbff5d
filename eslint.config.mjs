// ESLint with type-aware rules (typescript-eslint) for src, tests, testkit, bench, gallery; Prettier owns the layout.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', 'data/**'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A dropped promise is a lost audit post or an unhandled rejection: always await, return or `void` it.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false, attributes: false } },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // Interface implementations (the SQLite store) are async without awaiting: that is the contract.
      '@typescript-eslint/require-await': 'off',
      // better-sqlite3 12 aborts Node 24 when its objects are garbage-collected: the module is loaded
      // through src/store/sqlite/native.ts, which picks 13 on Node 22+. Type imports are fine.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: ['better-sqlite3', 'better-sqlite3-13'].map((name) => ({
            name,
            allowTypeImports: true,
            message:
              'Import the value from src/store/sqlite/native.ts (it picks the better-sqlite3 safe on this Node).',
          })),
        },
      ],
    },
  },
  {
    // The testkit (fake Slack, payload builders), the benchmark's view of the fake and the gallery (which
    // drives the bot through the fake) are test code too: they read and write Slack's JSON as `JsonObject`
    // (`any` values) on purpose, like the tests that use them.
    files: ['tests/**/*.ts', 'testkit/**/*.ts', 'bench/fake-slack.ts', 'gallery/**/*.ts'],
    rules: {
      // Tests poke at Slack payloads and fakes: `any`-typed JSON is the point there (decoded license
      // attributes and Block Kit objects are typed `Record<string, any>` on purpose).
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
      },
    },
  },
  prettier,
  {
    // After eslint-config-prettier, which turns max-len off: Prettier wraps code at 120, this also
    // catches the comments and strings it cannot wrap. A test's title stays one string on its line.
    rules: {
      'max-len': [
        'error',
        {
          code: 120,
          ignoreUrls: true,
          ignoreRegExpLiterals: true,
          ignorePattern: "^\\s*(it|test|describe)(\\.each\\(.*\\))?\\('",
        },
      ],
    },
  },
);
