/**
 * The operations of the committed OpenAPI document, and how to aim each one at the security
 * world: path parameters filled with the world's ids (ours unless told otherwise) and a valid
 * example body, so that a refusal is about who asks or what is aimed at, never a malformed request.
 * An operation added to the document without an example body here fails the tests that need one.
 */
import { readFileSync } from 'node:fs';
import type { InjectOptions } from 'fastify';
import { OPENAPI_FILE } from '../../scripts/openapi.js';
import { advisory, bearer } from '../helper.js';
import { operationsOf, rolesOf, type JsonSchema, type OpenApiDocument, type OperationRef } from '../security/openapi-arbitraries.js';
import type { World } from '../security/world.js';

export const doc = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as OpenApiDocument;
export const operations = operationsOf(doc);
export { rolesOf };
export const keyOf = (op: OperationRef) => `${op.method} ${op.path}`;

/** A schema with its $ref followed into the document's components. */
export const resolve = (schema: JsonSchema | undefined): JsonSchema => (schema?.$ref ? doc.components.schemas[schema.$ref.split('/').pop()!]! : (schema ?? {}));
/** The object a (possibly nullable) body schema describes. */
export const objectOf = (schema: JsonSchema): JsonSchema => resolve((resolve(schema).anyOf as JsonSchema[] | undefined)?.find((s) => resolve(s).properties) ?? schema);

/** Who may call an operation naming these roles, as a token of the world (null: no token needed). */
export function tokenForRoles(w: World, roles: string[] | null): string | null {
  if (roles === null || roles.length === 0) return roles === null ? null : w.tokens.household;
  return roles.includes('household') ? w.tokens.household : roles.includes('admin') ? w.tokens.admin : w.tokens.editor;
}

type Params = Record<string, string>;

/** Valid bodies, and parameters other than the defaults where the default would make the request fail for another reason. */
const EXAMPLES: Record<string, { body?: (w: World) => unknown; params?: (w: World) => Params }> = {
  'POST /v1/titles': { body: () => ({ name: 'Paddington 2', kind: 'movie', year: 2017 }) },
  'PATCH /v1/titles/{title}': { body: () => ({ runtimeMinutes: 103 }) },
  'PUT /v1/titles/{title}/advisory': { body: () => advisory() },
  'POST /v1/tokens': { body: () => ({ role: 'editor', name: 'Sam' }) },
  'DELETE /v1/tokens/{id}': { params: (w) => ({ id: w.tokenIds.editor }) },
  'POST /v1/households': { body: () => ({ name: 'The Parks' }) },
  'PATCH /v1/households/me': { body: () => ({ country: 'DE' }) },
  'POST /v1/households/me/tokens': { body: () => ({ name: 'phone' }) },
  'DELETE /v1/households/me/tokens/{id}': { params: (w) => ({ id: w.tokenIds.household }) },
  'POST /v1/children': { body: () => ({ nickname: 'Ada', birth: '2015' }) },
  'PATCH /v1/children/{child}': { body: () => ({ nickname: 'Ada' }) },
  'POST /v1/children/{child}/tokens': { body: () => ({ name: 'tablet' }) },
  'POST /v1/children/{child}/requests': { body: (w) => ({ title: w.titles.her, note: 'please' }) },
  'POST /v1/children/{child}/requests/{request}/approve': { body: () => ({}) },
  'POST /v1/children/{child}/requests/{request}/decline': { body: () => ({ reason: 'not yet' }), params: (w) => ({ request: w.requests.a2 }) },
  'POST /v1/children/{child}/verdicts': { body: (w) => ({ titles: [w.titles.her, 'imdb:tt1798709'] }) },
  'PUT /v1/children/{child}/overrides/{title}': { body: () => ({ decision: 'block', note: 'not yet' }) },
  'GET /v1/children/{child}/overrides/{title}': { params: (w) => ({ title: w.titles.book }) },
  'DELETE /v1/children/{child}/overrides/{title}': { params: (w) => ({ title: w.titles.book }) },
  'POST /v1/titles/{title}/reviews': {
    body: () => ({ by: 'parent', ageRating: 8, stars: 5, headline: 'Lovely', body: 'We all laughed.' }),
    params: (w) => ({ title: w.titles.book }),
  },
  'PATCH /v1/reviews/{review}': { body: () => ({ stars: 5 }) },
  'POST /v1/reviews/{review}/helpful': { params: (w) => ({ review: w.reviews.b }) },
  'POST /v1/reviews/{review}/hide': { params: (w) => ({ review: w.reviews.b }) },
  'POST /v1/reviews/{review}/restore': { params: (w) => ({ review: w.reviews.hiddenB }) },
  'POST /v1/titles/{title}/flags': { body: () => ({ reason: 'inaccurate', note: 'the year is wrong' }) },
  'POST /v1/reviews/{review}/flags': { body: () => ({ reason: 'spam' }), params: (w) => ({ review: w.reviews.b }) },
  'PATCH /v1/flags/{flag}': { body: () => ({ status: 'resolved', note: 'Fixed.' }) },
};

/** Our ids, by parameter name. */
function defaultParams(w: World): Params {
  return { title: w.titles.her, child: w.children.a, review: w.reviews.a, flag: w.flags.titleFlagA, id: w.tokenIds.household, request: w.requests.a };
}

export function hasBody(op: OperationRef): boolean {
  return op.operation.requestBody !== undefined;
}

/** The operation's URL, with the world's ids (or the ones given) in its path. */
export function urlFor(op: OperationRef, w: World, params: Params = {}): string {
  const values = { ...defaultParams(w), ...EXAMPLES[keyOf(op)]?.params?.(w), ...params };
  return op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${keyOf(op)}: no value for the path parameter {${name}}; add one to test/owasp/operations.ts`);
    return encodeURIComponent(value);
  });
}

/** A valid body for the operation (undefined when it takes none). */
export function bodyFor(op: OperationRef, w: World): unknown {
  if (!hasBody(op)) return undefined;
  const example = EXAMPLES[keyOf(op)]?.body;
  if (!example) throw new Error(`${keyOf(op)} takes a body: add a valid example to test/owasp/operations.ts`);
  return example(w);
}

/** inject() options for the operation as the given token (or nobody), with its example body. */
export function requestFor(op: OperationRef, w: World, token: string | null, params: Params = {}, body = bodyFor(op, w)): InjectOptions {
  return {
    method: op.method as InjectOptions['method'],
    url: urlFor(op, w, params),
    headers: token ? bearer(token) : {},
    ...(body !== undefined && { payload: body as InjectOptions['payload'] }),
  };
}
