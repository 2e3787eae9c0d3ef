import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'var/**',
      'coverage/**',
      'jest.config.js',
      'test/support/summary-reporter.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    // Plain CommonJS Node scripts (tooling), not part of the TypeScript build.
    files: ['scripts/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        console: 'readonly',
        process: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The console's one browser script (progressive enhancement, no build step).
    files: ['templates/console/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        document: 'readonly',
        window: 'readonly',
        fetch: 'readonly',
        FormData: 'readonly',
        URLSearchParams: 'readonly',
      },
    },
  },
  {
    // The policy engine is pure (DESIGN.md): no framework, no database, no Node I/O, so it
    // stays deterministic and runs anywhere. Its specs beside it are held to the same.
    files: ['src/policy/engine/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/*', 'typeorm', 'typeorm/*', 'pg', 'pg/*', 'node:*'],
              message: 'src/policy/engine is pure: no framework, database or Node imports.',
            },
            {
              group: [
                'fs',
                'fs/*',
                'path',
                'os',
                'crypto',
                'child_process',
                'http',
                'https',
                'net',
                'worker_threads',
              ],
              message: 'src/policy/engine is pure: no Node built-ins (with or without node:).',
            },
          ],
        },
      ],
      // import() would slip past the rule above.
      'no-restricted-syntax': [
        'error',
        { selector: 'ImportExpression', message: 'src/policy/engine imports statically only.' },
      ],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
);
