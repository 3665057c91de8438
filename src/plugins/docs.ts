/** The OpenAPI 3.1 document, generated from the route schemas, and a browsable UI at /docs. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { RESPONSE_HEADERS } from '../schemas/common.js';
import { STATUS_CODES } from 'node:http';
import pkg from '../../package.json' with { type: 'json' };

export const API_DESCRIPTION = `Parental content advisories: expert ratings per category, official certifications,
and verdicts that explain themselves ("is this OK at age 12?").

Errors are RFC 9457 problem+json. Lists are cursor-paginated. Catalogue reads and age verdicts
need no token; changes need a bearer token with the editor role.`;

interface Doc {
  paths?: Record<string, unknown>;
  components?: { schemas?: Record<string, unknown> };
}

/**
 * The generated document, tidied: the type provider emits an input and an output variant of
 * every named schema; keep only those something refers to, and give each success response
 * its status text instead of "Default Response".
 */
export function tidyDocument<D extends Doc>(doc: D): D {
  const schemas = doc.components?.schemas ?? {};
  const used = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')) {
        const name = value.slice('#/components/schemas/'.length);
        if (!used.has(name)) {
          used.add(name);
          visit(schemas[name]);
        }
      } else visit(value);
    }
  };
  visit(doc.paths);
  type Operation = { responses?: Record<string, { description?: string; headers?: Record<string, unknown> }>; 'x-response-headers'?: Record<string, (keyof typeof RESPONSE_HEADERS)[]> };
  for (const path of Object.values(doc.paths ?? {})) {
    for (const operation of Object.values(path as Record<string, Operation>)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (response.description === 'Default Response') response.description = STATUS_CODES[Number(status)] ?? 'Response';
        const names = operation['x-response-headers']?.[status] ?? (status === '429' ? ['retry-after' as const] : []);
        if (names.length) response.headers = Object.fromEntries(names.map((name) => [name, RESPONSE_HEADERS[name]]));
      }
      delete operation['x-response-headers'];
    }
  }
  return {
    ...doc,
    components: { ...doc.components, schemas: Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name))) },
  };
}

async function docsPlugin(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Guidepost API', version: pkg.version, description: API_DESCRIPTION, license: { name: 'MIT', identifier: 'MIT' } },
      tags: [
        { name: 'titles', description: 'The catalogue of films, TV, books, games, apps, podcasts and channels.' },
        { name: 'advisories', description: 'Expert advisories written by editors.' },
        { name: 'verdicts', description: '"Is this OK?" answers with their reasons.' },
        { name: 'households', description: 'A family’s account: sign-up, tokens, export and erasure.' },
        { name: 'children', description: 'Child profiles, their limits, overrides and the catalogue each child may watch.' },
        { name: 'community', description: 'Parents’ and kids’ reviews, helpful marks and flags.' },
        { name: 'moderation', description: 'The editors’ queue of flags, and hiding reviews.' },
        { name: 'reference', description: 'Rating categories and official rating systems.' },
        { name: 'auth', description: 'Who a token belongs to.' },
        { name: 'health', description: 'Liveness and readiness.' },
      ],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description:
              'A Guidepost token: gp_hh_… (household), gp_ed_… (editor) or gp_ad_… (admin). An operation’s requirement names the role it needs; an admin token may do everything an editor token may.',
          },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (input) => tidyDocument(jsonSchemaTransformObject(input) as Doc) as ReturnType<typeof jsonSchemaTransformObject>,
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true }, staticCSP: true });
}

export default fp(docsPlugin, { name: 'docs' });
