/** The OpenAPI 3.1 document, generated from the route schemas, and a browsable UI at /docs. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { HEADER_COMPONENTS, PROBLEM_DESCRIPTIONS, RESPONSE_HEADERS } from '../schemas/common.js';
import { DOCS_CSP } from './security.js';
import { STATUS_CODES } from 'node:http';
import pkg from '../../package.json' with { type: 'json' };

const API_DESCRIPTION = `Parental content advisories: expert ratings per category, official certifications,
and verdicts that explain themselves ("is this OK at age 12?").

Errors are RFC 9457 problem+json; a validation failure lists at most 20 errors in \`errors\` and
counts the rest in \`moreErrors\`, and no error answer is larger than 16 kB. A body is refused before
it is parsed when it nests deeper, or holds larger objects or lists, than the operation's schema
allows (give or take a little, so stray fields are still named). A request not all there within
the server's request timeout (10 s by default), headers or body, is answered 408 and its
connection closed. Lists are cursor-paginated.
Catalogue reads and age verdicts need no token; changes need a bearer token with the editor role.

Text is stored as it was sent, or refused; it is never changed, except that white space around
catalogue, child, household and token texts is trimmed (reviews and flags keep theirs). Refused everywhere: a lone UTF-16
surrogate, NUL (U+0000, in ids too) and a byte-order mark (U+FEFF). Refused in names, nicknames and headlines: the
bidirectional controls U+202A–U+202E and U+2066–U+2069, which can make a name show in another
order than it was written.`;

interface Doc {
  paths?: Record<string, unknown>;
  components?: { schemas?: Record<string, unknown> };
}

interface OperationShape {
  parameters?: { in: string; name: string; schema?: Record<string, unknown>; style?: unknown; explode?: unknown }[];
  security?: Record<string, string[]>[];
  responses?: Record<string, unknown>;
}

/**
 * The problems an operation may answer by its shape alone, whatever its route declares: a fault
 * of the server's own on any route (500, its details hidden), a bad token on any route (401), the
 * wrong role where one is named (403), a path parameter that is undecodable or too long (400, 414),
 * a body that is malformed, too large or not JSON on a method that carries one (400, 413, 415), a
 * malformed or stale If-Match (400, 412).
 */
function shapeProblems(path: string, method: string, operation: OperationShape): number[] {
  return [
    401,
    500,
    ...(operation.security?.some((requirement) => (requirement.bearer ?? []).length > 0) ? [403] : []),
    ...(path.includes('{') ? [400, 414] : []),
    ...(['post', 'put', 'patch', 'delete'].includes(method) ? [400, 413, 415] : []),
    ...(operation.parameters?.some((p) => p.in === 'header' && p.name === 'if-match') ? [400, 412] : []),
  ];
}

/** The largest and smallest integers an int32 holds; anything wider is documented as int64. */
const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };

type JsonSchema = Record<string, unknown>;

/**
 * How a zod schema reads in the document, beyond zod's own conversion. This replaces the type
 * provider's override, so it keeps what that did for OpenAPI 3.1 (empty union branches dropped,
 * `undefined` answered as null) and adds:
 * - every integer says its size, int32 or int64, from its bounds;
 * - a query list parsed from comma-separated text says so in its meta (an array, form style, not
 *   exploded); the text's maxLength goes;
 * - a query integer (`queryInt`) is parsed from text, so zod documents the text (a string with a
 *   pattern, without the default, which it leaves out of a transformed schema's input); its meta
 *   names the integer it stands for, and the text's pattern goes, its default comes back.
 */
function documentSchema({ zodSchema, jsonSchema }: { zodSchema: z.core.$ZodType; jsonSchema: JsonSchema }): void {
  const def = zodSchema._zod.def;
  if (def.type === 'union' && Array.isArray(jsonSchema.anyOf)) jsonSchema.anyOf = jsonSchema.anyOf.filter((branch: object) => Object.keys(branch).length > 0);
  if (def.type === 'undefined') jsonSchema.type = 'null';
  // A comma-separated query list (`kind`) is documented as the list it stands for, not its text.
  if (jsonSchema.type === 'array') delete jsonSchema.maxLength;
  if (jsonSchema.type !== 'integer') return;
  delete jsonSchema.pattern;
  if (def.type === 'default' && !('default' in jsonSchema)) jsonSchema.default = (def as z.core.$ZodDefaultDef).defaultValue;
  const { minimum, maximum } = jsonSchema as { minimum?: number; maximum?: number };
  jsonSchema.format ??= minimum !== undefined && maximum !== undefined && minimum >= INT32.min && maximum <= INT32.max ? 'int32' : 'int64';
}

const zodToJsonConfig = { override: documentSchema as NonNullable<Parameters<typeof createJsonSchemaTransform>[0]['zodToJsonConfig']>['override'] };

/**
 * The type provider names the input variant of a schema `<id>Input`. The document keeps one name
 * per concept: an input variant that nothing else's output shares its id takes the plain name,
 * and one identical to its output variant gives way to it.
 */
function componentNames(schemas: Record<string, unknown>, used: Set<string>): Map<string, string> {
  const names = new Map<string, string>();
  for (const name of used) {
    const plain = name.replace(/Input$/, '');
    if (plain === name) continue;
    if (!used.has(plain) || JSON.stringify(schemas[plain]) === JSON.stringify(schemas[name])) names.set(name, plain);
  }
  return names;
}

const SCHEMA_REF = '#/components/schemas/';

/** Calls `seen` with each component a `$ref` under `node` names, and the object holding that `$ref`. */
function eachSchemaRef(node: unknown, seen: (name: string, holder: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) return node.forEach((child) => eachSchemaRef(child, seen));
  if (node === null || typeof node !== 'object') return;
  const object = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(object)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith(SCHEMA_REF)) seen(value.slice(SCHEMA_REF.length), object);
    else eachSchemaRef(value, seen);
  }
}

/** Points every `$ref` to a renamed component at its new name. */
function renameRefs(node: unknown, names: Map<string, string>): void {
  eachSchemaRef(node, (name, holder) => {
    const renamed = names.get(name);
    if (renamed) holder.$ref = `${SCHEMA_REF}${renamed}`;
  });
}

/**
 * The generated document, tidied: every operation lists the problems its shape may answer; the
 * type provider emits an input and an output variant of every named schema, so keep only those
 * something refers to; give each success response its status text instead of "Default Response".
 */
function tidyDocument<D extends Doc>(doc: D): D {
  for (const [pathName, path] of Object.entries(doc.paths ?? {})) {
    for (const [method, operation] of Object.entries(path as Record<string, OperationShape>)) {
      // How a parameter is written (a query list comma-separated) belongs to the parameter, not
      // its schema, where the swagger plugin leaves a property's own.
      for (const parameter of operation.parameters ?? []) {
        for (const key of ['style', 'explode'] as const) {
          if (parameter.schema && key in parameter.schema) {
            parameter[key] = parameter.schema[key];
            delete parameter.schema[key];
          }
        }
      }
      for (const status of shapeProblems(pathName, method, operation)) {
        operation.responses ??= {};
        operation.responses[status] ??= {
          description: PROBLEM_DESCRIPTIONS[status],
          content: { 'application/problem+json': { schema: { $ref: `${SCHEMA_REF}Problem` } } },
        };
      }
    }
  }
  const schemas = doc.components?.schemas ?? {};
  const used = new Set<string>();
  const visit = (node: unknown): void =>
    eachSchemaRef(node, (name) => {
      if (used.has(name)) return;
      used.add(name);
      visit(schemas[name]);
    });
  visit(doc.paths);
  type Operation = { responses?: Record<string, { description?: string; headers?: Record<string, unknown> }>; 'x-response-headers'?: Record<string, (keyof typeof RESPONSE_HEADERS)[]> };
  for (const path of Object.values(doc.paths ?? {})) {
    for (const operation of Object.values(path as Record<string, Operation>)) {
      const documented = operation['x-response-headers'] ?? {};
      // The problems an operation's shape may answer are counted under the limits its other answers are.
      const limits = Object.values(documented).some((names) => names.includes('RateLimit')) ? (['RateLimit', 'RateLimit-Policy'] as const) : [];
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (response.description === 'Default Response') response.description = STATUS_CODES[Number(status)] ?? 'Response';
        // A 503 is turned away before any limit is counted: it says when to come back, and no more.
        const names = documented[status] ?? (status === '503' ? ['Retry-After' as const] : limits);
        if (names.length) response.headers = Object.fromEntries(names.map((name) => [name, RESPONSE_HEADERS[name]]));
      }
      delete operation['x-response-headers'];
    }
  }
  const names = componentNames(schemas, used);
  renameRefs(doc.paths, names);
  const kept = Object.entries(schemas).filter(([name]) => used.has(name) && !(names.has(name) && used.has(names.get(name) ?? '')));
  renameRefs(kept, names);
  return {
    ...doc,
    components: { ...doc.components, schemas: Object.fromEntries(kept.map(([name, schema]) => [names.get(name) ?? name, schema])) },
  };
}

const transformObject = createJsonSchemaTransformObject({ zodToJsonConfig });

/**
 * Relative: the document is served by the API it describes, wherever an operator runs it (the
 * configuration names no public URL). `x-internal: false`: it is an API for the public.
 */
const SERVERS = [
  { url: '/', description: 'This server: the Guidepost instance serving this document (production, staging or local, as its operator runs it).', 'x-internal': false },
];

async function docsPlugin(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Guidepost API', version: pkg.version, description: API_DESCRIPTION, license: { name: 'MIT', identifier: 'MIT' } },
      servers: SERVERS,
      tags: [
        { name: 'titles', description: 'The catalogue of films, TV, books, games, apps, podcasts and channels.' },
        { name: 'advisories', description: 'Expert advisories written by editors.' },
        { name: 'verdicts', description: '"Is this OK?" answers with their reasons.' },
        { name: 'households', description: 'A family’s account: sign-up, tokens, export and erasure.' },
        { name: 'children', description: 'Child profiles, their limits, overrides and the catalogue each child may watch.' },
        { name: 'requests', description: 'A child asks to watch a blocked title from its own device; the parents approve or decline.' },
        { name: 'community', description: 'Parents’ and kids’ reviews, helpful marks and flags.' },
        { name: 'moderation', description: 'The editors’ queue of flags, and hiding reviews.' },
        { name: 'reference', description: 'Rating categories and official rating systems.' },
        { name: 'auth', description: 'Who a token belongs to.' },
        { name: 'health', description: 'Liveness and readiness.' },
      ],
      components: {
        headers: HEADER_COMPONENTS,
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
    transform: createJsonSchemaTransform({ zodToJsonConfig }),
    transformObject: (input) => tidyDocument(transformObject(input) as Doc) as ReturnType<typeof transformObject>,
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true }, staticCSP: DOCS_CSP });
}

export default fp(docsPlugin, { name: 'docs' });
