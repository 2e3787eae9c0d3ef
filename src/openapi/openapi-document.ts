import type { INestApplication } from '@nestjs/common';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { PATH_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { PUBLIC_KEY } from '../auth/roles.decorator';
import { OPERATION_SUMMARIES } from './operation-summaries';
import {
  ANY_OBJECT,
  COMPONENT_SCHEMAS,
  HTML_ERRORS,
  RESPONSE_CONTENT,
  RESPONSE_SCHEMAS,
} from './response-schemas';

const STANDARD_ERRORS = [
  ['400', 'Invalid input; each message names the field'],
  ['401', 'Missing, unknown or revoked API key'],
  ['403', 'The key’s role may not call this route'],
  ['429', 'Too many failed authentication attempts'],
] as const;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

/**
 * The OpenAPI document of the running app, as a contract: every operation has a summary and a
 * success schema, API-key routes require the bearer scheme (an opaque API key, not a JWT) and
 * public routes say `security: []`. Served at /docs and written by `npm run openapi`.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Tactful')
      .setDescription(
        'Consent-first customer communications. Routes need `Authorization: Bearer <api key>` unless marked public.',
      )
      .setVersion('0.1')
      .setLicense('Proprietary', 'https://tactful.example/license')
      .addServer('/', 'This server')
      .addBearerAuth({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'API key',
        description: 'An API key from POST /v1/api-keys (or TACTFUL_ADMIN_KEY)',
      })
      .addSecurityRequirements('bearer')
      .build(),
  );
  doc.components = {
    ...doc.components,
    schemas: { ...COMPONENT_SCHEMAS, ...doc.components?.schemas },
  };
  const publicRoutes = publicRoutesOf(app);
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      const id = op.operationId ?? '';
      if (publicRoutes.has(`${method} ${path}`)) op.security = [];
      else if (!op.security?.length) op.security = [{ bearer: [] }];
      op.summary ??= OPERATION_SUMMARIES[id];
      op.responses ??= {};
      // Every API-key route can refuse the key (401, 403), its input (400) or a flood (429).
      if (op.security.length && !Object.keys(op.responses).some((c) => /^4\d\d$/.test(c))) {
        for (const [status, description] of STANDARD_ERRORS) {
          op.responses[status] = {
            description,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          };
        }
      }
      for (const [status, description] of Object.entries(HTML_ERRORS[id] ?? {})) {
        op.responses[status] = {
          description,
          content: { 'text/html': { schema: { type: 'string' } } },
        };
      }
      const redirect = op.responses['302'];
      if (redirect && !('$ref' in redirect)) {
        redirect.headers = {
          Location: {
            description: 'Where the link points',
            schema: { type: 'string', format: 'uri' },
          },
        };
      }
      // Nest's default status when a handler declares none: 201 for POST, 200 otherwise. A
      // redirect (3xx) is the answer of its route: no 2xx is invented for it.
      if (!Object.keys(op.responses).some((c) => /^[23]\d\d$/.test(c))) {
        op.responses[method === 'post' ? '201' : '200'] = { description: 'Done' };
      }
      const [code, ok] = Object.entries(op.responses).find(([c]) => /^2\d\d$/.test(c)) ?? [];
      if (!code || !ok || '$ref' in ok || code === '204') continue;
      const content = RESPONSE_CONTENT[id];
      const schema = RESPONSE_SCHEMAS[id];
      if (content) {
        ok.content = Object.fromEntries(
          Object.entries(content).map(([t, s]) => [t, { schema: s }]),
        );
      } else if (schema) ok.content = { 'application/json': { schema } };
      else if (!ok.content) ok.content = { 'application/json': { schema: ANY_OBJECT } };
    }
  }
  return doc;
}

/** `get /v1/subscribe`-style keys of the @Public() routes, in the document's path syntax. */
function publicRoutesOf(app: INestApplication): Set<string> {
  const reflector = new Reflector();
  const scanner = new MetadataScanner();
  const out = new Set<string>();
  const controllers = [...app.get(ModulesContainer).values()].flatMap((m) => [
    ...m.controllers.values(),
  ]);
  for (const wrapper of controllers) {
    // The class, not the instance: a preview app (npm run openapi) instantiates nothing.
    const metatype = wrapper.metatype as (new (...args: never[]) => unknown) | null;
    if (!metatype || typeof metatype !== 'function') continue;
    const base = String(Reflect.getMetadata(PATH_METADATA, metatype) ?? '');
    const proto = metatype.prototype as object;
    for (const name of scanner.getAllMethodNames(proto)) {
      const handler = (proto as Record<string, unknown>)[name] as () => unknown;
      const path: unknown = Reflect.getMetadata(PATH_METADATA, handler);
      if (path === undefined) continue;
      if (!reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [handler, metatype])) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      const full = `/${[base, String(path)].filter((p) => p && p !== '/').join('/')}`
        .replace(/\/+/g, '/')
        .replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      out.add(`${method.toLowerCase()} ${full}`);
    }
  }
  return out;
}
