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
  t.same(Object.keys(doc.paths['/v1/titles'].post.responses['201'].headers), ['etag', 'location', 'idempotent-replayed', 'ratelimit', 'ratelimit-policy']);
  t.same(Object.keys(doc.paths['/v1/titles/{title}'].get.responses['200'].headers), ['etag', 'ratelimit', 'ratelimit-policy']);
  t.same(Object.keys(doc.paths['/v1/titles/{title}/reviews'].post.responses['429'].headers), ['retry-after', 'ratelimit', 'ratelimit-policy']);
  t.same(Object.keys(doc.paths['/v1/titles'].get.responses['200'].headers), ['ratelimit', 'ratelimit-policy'], 'the limits speak on every answer');
  t.same(Object.keys(doc.paths['/v1/households'].post.responses['201'].headers), ['location', 'idempotent-replayed', 'ratelimit', 'ratelimit-policy']);
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
  t.equal(creating, 9);
});
