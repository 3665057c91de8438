import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import t from 'tap';
import { generateOpenApi, OPENAPI_FILE } from '../scripts/openapi.js';
import { build } from './helper.js';

t.test('the committed openapi/openapi.json is current', async (t) => {
  const generated = await generateOpenApi();
  t.equal(readFileSync(OPENAPI_FILE, 'utf8'), generated, 'run `npm run openapi` and commit the result');
});

t.test('the document is valid OpenAPI 3.1', async (t) => {
  const doc = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
  t.equal(doc.openapi, '3.1.0');
  const validator = new Validator();
  const result = await validator.validate(doc);
  t.ok(result.valid, JSON.stringify(result.errors, null, 2));
  t.equal(validator.version, '3.1');
});

t.test('every registered route is documented and every documented path is served', async (t) => {
  const app = await build(t);
  await app.ready();
  const served = app.registeredRoutes
    .filter((r) => !r.hidden && r.method !== 'HEAD' && r.method !== 'OPTIONS')
    .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`);
  const doc = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
  const documented = Object.entries(doc.paths as Record<string, object>).flatMap(([path, item]) =>
    Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
  );
  t.ok(served.length >= 15, 'the routes were seen');
  t.same([...new Set(served)].sort(), [...documented].sort());
});

t.test('response headers are documented where routes send them', async (t) => {
  const doc = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
  t.same(Object.keys(doc.paths['/v1/titles'].post.responses['201'].headers), ['ETag', 'Location', 'Idempotent-Replayed', 'RateLimit', 'RateLimit-Policy']);
  t.same(Object.keys(doc.paths['/v1/titles/{title}'].get.responses['200'].headers), ['ETag', 'RateLimit', 'RateLimit-Policy']);
  t.same(Object.keys(doc.paths['/v1/titles/{title}/reviews'].post.responses['429'].headers), ['Retry-After', 'RateLimit', 'RateLimit-Policy']);
  t.same(Object.keys(doc.paths['/v1/titles'].get.responses['200'].headers), ['RateLimit', 'RateLimit-Policy'], 'the limits speak on every answer');
  t.same(Object.keys(doc.paths['/v1/households'].post.responses['201'].headers), ['Location', 'Idempotent-Replayed', 'RateLimit', 'RateLimit-Policy']);
  t.notOk(doc.paths['/healthz'].get.responses['429'], 'the health checks are not limited');
  t.notOk(doc.paths['/readyz'].get.responses['200'].headers);
  t.notOk(JSON.stringify(doc).includes('x-response-headers'), 'the carrier extension is removed');
});

t.test('the docs UI and /openapi.json are served', async (t) => {
  const app = await build(t);
  const json = await app.inject({ method: 'GET', url: '/openapi.json' });
  t.equal(json.statusCode, 200);
  t.equal(JSON.parse(json.body).info.title, 'Guidepost API');
  const ui = await app.inject({ method: 'GET', url: '/docs/' });
  t.equal(ui.statusCode, 200);
  t.match(ui.headers['content-type'], /text\/html/);
});

t.test('every POST that creates something documents Idempotency-Key, 409 and 422; every limited route 429', async (t) => {
  const doc = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
  let creating = 0;
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, { parameters?: { in: string; name: string }[]; responses: Record<string, unknown> }>>)) {
    for (const [method, operation] of Object.entries(item)) {
      const header = operation.parameters?.find((p) => p.in === 'header' && p.name === 'idempotency-key');
      const creates = method === 'post' && '201' in operation.responses;
      t.equal(Boolean(header), creates, `${method} ${path}: Idempotency-Key exactly where a POST creates`);
      if (creates) {
        creating++;
        t.ok(operation.responses['409'] && operation.responses['422'], `${method} ${path}: 409 and 422`);
      }
      if (!path.endsWith('z')) t.ok(operation.responses['429'], `${method} ${path}: 429`);
    }
  }
  t.equal(creating, 11);
});

type Operation = {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string; schema: { type?: string; format?: string; minimum?: number; maximum?: number; pattern?: string } }[];
  responses: Record<string, { headers?: Record<string, unknown> }>;
};

function operations(doc: { paths: Record<string, Record<string, Operation>> }): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]): [string, Operation] => [`${method.toUpperCase()} ${path}`, operation]));
}

t.test('every operation has a unique verb-noun operationId', async (t) => {
  const doc = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
  const ids = operations(doc).map(([name, operation]) => {
    t.match(operation.operationId, /^(get|list|create|update|delete|set|revoke|export|mark|unmark|hide|restore|close|approve|decline)[A-Z][A-Za-z]+$/, `${name}: ${operation.operationId}`);
    return operation.operationId;
  });
  t.equal(new Set(ids).size, ids.length, 'no two operations share one');
  t.equal(doc.paths['/v1/children/{child}/titles'].get.operationId, 'listChildCatalogue');
  t.equal(doc.paths['/v1/children/{child}/verdicts'].post.operationId, 'createVerdictBatch');
});

t.test('public operations say so with an empty security requirement', async (t) => {
  const doc = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
  const open = operations(doc).filter(([, operation]) => operation.security?.length === 0).map(([name]) => name);
  t.same(open.sort(), [
    'GET /healthz',
    'GET /readyz',
    'GET /v1/categories',
    'GET /v1/presets',
    'GET /v1/rating-systems',
    'GET /v1/titles',
    'GET /v1/titles/{title}',
    'GET /v1/titles/{title}/advisory',
    'GET /v1/titles/{title}/verdict',
  ]);
  for (const [name, operation] of operations(doc)) t.ok(operation.security, `${name} declares its security`);
});

t.test('integer query parameters are integers with their range and size', async (t) => {
  const doc = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
  const integers = operations(doc).flatMap(([name, operation]) =>
    (operation.parameters ?? []).filter((p) => p.in === 'query' && /^(age|forAge|max[A-Z]\w*|min[A-Z]\w*|limit)$/.test(p.name)).map((p) => ({ operation: name, ...p })),
  );
  t.ok(integers.length >= 20, 'the parameters were found');
  for (const p of integers) {
    t.match(p.schema, { type: 'integer', format: 'int32', minimum: Number, maximum: Number }, `${p.name} of ${p.operation}`);
    t.notOk(p.schema.pattern, `${p.name}: the text's pattern is gone`);
  }
  t.same(doc.paths['/v1/titles/{title}/verdict'].get.parameters.find((p: { name: string }) => p.name === 'age').schema, { type: 'integer', minimum: 2, maximum: 18, format: 'int32' });
  t.match(doc.paths['/v1/titles'].get.parameters.find((p: { name: string }) => p.name === 'limit').schema, { default: 20, minimum: 1, maximum: 100 });
});

t.test('the kind filter is a list of the title kinds, written comma-separated', async (t) => {
  const doc = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
  for (const path of ['/v1/titles', '/v1/children/{child}/titles']) {
    const kind = doc.paths[path].get.parameters.find((p: { name: string }) => p.name === 'kind');
    t.same(kind.schema, { type: 'array', items: { type: 'string', enum: doc.components.schemas.TitleKind.enum }, maxItems: doc.components.schemas.TitleKind.enum.length }, path);
    t.match(kind, { style: 'form', explode: false }, `${path}: kind=movie,tv`);
  }
});

t.test('fields the server fills in are optional in requests and required in responses', async (t) => {
  const { components } = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
  const { ChildCreate, Child, TitleWrite } = components.schemas;
  t.same(ChildCreate.required, ['nickname', 'birth']);
  t.same(
    Object.fromEntries(['limits', 'ageRule', 'unrated', 'certificationCeilings'].map((k) => [k, ChildCreate.properties[k].default])),
    { limits: {}, ageRule: 'expert', unrated: 'block', certificationCeilings: {} },
  );
  t.ok(['limits', 'ageRule', 'unrated', 'certificationCeilings'].every((k) => Child.required.includes(k)));
  for (const k of ['releaseDates', 'genres', 'certifications', 'externalIds']) t.notOk(TitleWrite.required.includes(k), `TitleWrite.${k}`);
  // Anywhere in a request: a field with a default is never required.
  const walk = (node: unknown, where: string): void => {
    if (node === null || typeof node !== 'object') return;
    const schema = node as { properties?: Record<string, { default?: unknown }>; required?: string[] };
    for (const key of schema.required ?? []) t.notOk(schema.properties?.[key] && 'default' in schema.properties[key], `${where}.${key}`);
    for (const [key, value] of Object.entries(node)) walk(value, `${where}.${key}`);
  };
  for (const name of ['AdvisoryWrite', 'TitleWrite', 'ChildCreate', 'OverrideWrite', 'ReviewCreate', 'TokenCreate']) walk(components.schemas[name], name);
});

t.test('one component per concept, named plainly', async (t) => {
  const { components } = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
  const names = Object.keys(components.schemas);
  t.same(names.filter((name) => /(Input|Output)$/.test(name)), []);
  t.ok(names.includes('TitleKind') && names.includes('VerdictBatchRequest') && names.includes('RatingSystemKey'));
  t.same(components.schemas.TitleWrite.properties.kind, { $ref: '#/components/schemas/TitleKind' }, 'requests and answers share the enum');
});

t.test('every 429 and 503 says when to come back, under the registered header names', async (t) => {
  const doc = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
  let seen = 0;
  for (const [name, operation] of operations(doc)) {
    for (const status of ['429', '503'].filter((s) => s in operation.responses)) {
      seen++;
      t.ok(operation.responses[status]!.headers?.['Retry-After'], `${name} ${status}`);
    }
    for (const [status, response] of Object.entries(operation.responses)) {
      for (const header of Object.keys(response.headers ?? {})) t.ok(/^(ETag|Location|Retry-After|RateLimit|RateLimit-Policy|Idempotent-Replayed)$/.test(header), `${name} ${status}: ${header}`);
    }
  }
  t.ok(seen > 90, 'the answers were found');
  t.match(doc.paths['/readyz'].get.responses['503'].headers['Retry-After'].schema, { type: 'integer', format: 'int32', minimum: 0, maximum: 3600 });
  t.same(doc.servers, [{ url: '/', description: doc.servers[0].description, 'x-internal': false }]);
});
