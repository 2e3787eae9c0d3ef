import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// Nest's HTTP exceptions: only the HTTP edge may use them; everything else throws DomainError
// (src/common/domain-error.ts), which the edge maps to a status in one place.
const NEST_HTTP_EXCEPTIONS = [
  'BadGatewayException',
  'BadRequestException',
  'ConflictException',
  'ForbiddenException',
  'GatewayTimeoutException',
  'GoneException',
  'HttpVersionNotSupportedException',
  'HttpException',
  'ImATeapotException',
  'InternalServerErrorException',
  'IntrinsicException',
  'MethodNotAllowedException',
  'MisdirectedException',
  'NotAcceptableException',
  'NotFoundException',
  'NotImplementedException',
  'PayloadTooLargeException',
  'PreconditionFailedException',
  'RequestTimeoutException',
  'ServiceUnavailableException',
  'UnauthorizedException',
  'UnprocessableEntityException',
  'UnsupportedMediaTypeException',
];

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
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
  },
  {
    // Services and domain code throw DomainError; Nest exceptions belong to the HTTP edge.
    // Before the policy engine's block, whose stricter rules replace these for its files.
    files: ['src/**/*.ts'],
    ignores: [
      '**/*.controller.ts',
      '**/*.guard.ts',
      '**/*.filter.ts',
      '**/*.interceptor.ts',
      '**/*.pipe.ts',
      '**/*.spec.ts',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@nestjs/common',
              importNames: NEST_HTTP_EXCEPTIONS,
              message:
                'Throw DomainError (src/common/domain-error.ts); only controllers, guards, filters, interceptors and pipes use Nest HTTP exceptions.',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          // `new common.NotFoundException()` after a namespace import.
          selector: `NewExpression[callee.property.name=/^(${NEST_HTTP_EXCEPTIONS.join('|')})$/]`,
          message: 'Throw DomainError (src/common/domain-error.ts) outside the HTTP edge.',
        },
      ],
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
