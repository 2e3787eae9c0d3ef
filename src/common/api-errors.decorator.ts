import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

const errorSchema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer', example: 400 },
    error: { type: 'string', example: 'Bad Request' },
    message: { type: 'array', items: { type: 'string' }, example: ['email must be an email'] },
  },
};

/** The error answers every authenticated route can give, documented once. */
export const ApiStandardErrors = () =>
  applyDecorators(
    ApiResponse({
      status: 400,
      description: 'Invalid input; each message names the field',
      schema: errorSchema,
    }),
    ApiResponse({
      status: 401,
      description: 'Missing, unknown or revoked API key',
      schema: errorSchema,
    }),
    ApiResponse({
      status: 403,
      description: 'The key’s role may not call this route',
      schema: errorSchema,
    }),
    ApiResponse({
      status: 429,
      description: 'Too many failed authentication attempts',
      schema: errorSchema,
    }),
  );
