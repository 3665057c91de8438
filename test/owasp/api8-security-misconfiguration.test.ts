/**
 * OWASP API8:2023 Security Misconfiguration — missing hardening headers, permissive CORS,
 * verbose errors, secrets in public documents, unexpected HTTP methods, caching of private data,
 * unsafe defaults. Checked across every operation of the document rather than a sample;
 * headers and CORS in depth are in test/security/headers.test.ts.
 */
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { onAnotherConnection, testConfig } from '../backend.js';
import { bearer, call } from '../helper.js';
import { headerFaults } from '../security/http.js';
import { buildWorld } from '../security/world.js';
import { doc, keyOf, operations, requestFor, rolesOf, urlFor } from './operations.js';

const isProblem = /^application\/problem\+json/;
/** What an error body must never hold: stack frames, file paths, SQL, driver names. */
const INTERNALS = /\bat\s+\S+\s*\(|\.(?:ts|js|mjs):\d+|\/work\/|node_modules|SELECT\s|INSERT\s|UPDATE\s|\bfrom\s+"?\w+"?\s+where\b|sqlite|drizzle|SqliteError|stack/i;

t.test('safe defaults: loopback only, no CORS, no debug logging', async (t) => {
  const config = loadConfig({});
  t.equal(config.HOST, '127.0.0.1');
  t.same(config.CORS_ORIGINS, []);
  t.equal(config.LOG_LEVEL, 'info');
});

t.test('every operation answers with the hardening headers, and no Access-Control-Allow-Origin, whoever asks', async (t) => {
  const w = await buildWorld(t);
  for (const op of operations) {
    for (const token of [null, w.tokens.household, w.tokens.editor]) {
      const res = await call(w.app, { ...requestFor(op, w, token), headers: { ...(token ? bearer(token) : {}), origin: 'https://evil.example' } });
      t.same(headerFaults(res.headers), [], `${keyOf(op)} (${res.statusCode})`);
      t.notOk(res.headers['access-control-allow-origin'], `${keyOf(op)}: no CORS grant`);
    }
  }
});

t.test('household data is never cached on the way', async (t) => {
  const w = await buildWorld(t);
  for (const op of operations.filter((o) => o.method === 'GET' && rolesOf(o.operation)?.includes('household'))) {
    const res = await call(w.app, requestFor(op, w, w.tokens.household));
    t.equal(res.statusCode, 200, keyOf(op));
    t.equal(res.headers['cache-control'], 'no-store', `${keyOf(op)}: Cache-Control: no-store`);
  }
});

t.test('errors say what is wrong and nothing about the inside', async (t) => {
  const w = await buildWorld(t);
  const answers = [
    await call(w.app, { method: 'GET', url: '/v1/titles?limit=abc' }),
    await call(w.app, { method: 'POST', url: '/v1/titles', headers: { ...bearer(w.tokens.editor), 'content-type': 'application/json' }, payload: '{"name": "x", ' }),
    await call(w.app, { method: 'POST', url: '/v1/titles', headers: bearer(w.tokens.editor), payload: { name: 'x', kind: 'movie', year: 'nineteen' } }),
    await call(w.app, { method: 'GET', url: '/v1/titles/imdb:tt0' }),
    await call(w.app, { method: 'GET', url: `/v1/titles?cursor=${w.cursors[0]!.slice(0, -3)}xyz` }),
    await call(w.app, { method: 'GET', url: '/v1/titles/%E0%A4%A' }),
    await call(w.app, { method: 'GET', url: '/v1/nothing' }),
    await call(w.app, { method: 'PATCH', url: `/v1/children/${w.children.a}`, headers: { ...bearer(w.tokens.household), 'if-match': '"99"' }, payload: { nickname: 'x' } }),
  ];
  // A database failure mid-request: the tables are taken away under the running app.
  await onAnotherConnection(w.database, 'ALTER TABLE titles RENAME TO titles_away');
  answers.push(await call(w.app, { method: 'GET', url: `/v1/titles/${w.titles.her}` }));
  answers.push(await call(w.app, { method: 'GET', url: '/v1/titles?sort=stars' }));
  await onAnotherConnection(w.database, 'ALTER TABLE titles_away RENAME TO titles');
  // A handler that throws with internals in its message.
  const app = await buildApp(testConfig());
  t.teardown(() => app.close());
  app.get('/boom', async () => {
    throw Object.assign(new Error('SELECT hash FROM tokens WHERE id = 1 -- /work/main/src/x.ts:12'), { sql: 'SELECT 1' });
  });
  answers.push(await call(app, { method: 'GET', url: '/boom' }));

  t.same([...new Set(answers.map((a) => a.statusCode))].sort(), [400, 404, 412, 500]);
  for (const res of answers) {
    t.match(res.headers['content-type'], isProblem, `${res.statusCode}`);
    t.notMatch(res.body, INTERNALS, `${res.statusCode} ${res.data.detail}`);
    t.same(Object.keys(res.data).filter((k) => !['type', 'title', 'status', 'detail', 'errors'].includes(k)), [], 'only the problem fields');
    if (res.statusCode >= 500) t.equal(res.data.detail, 'The server failed to answer; the failure is logged.');
  }
});

t.test('injection strings are text to search for, not code', async (t) => {
  const w = await buildWorld(t);
  for (const q of ["' OR 1=1 --", '" OR ""="', "her'; DROP TABLE titles; --", '%', '_', '\\', '{"$gt": ""}']) {
    const res = await call(w.app, { method: 'GET', url: `/v1/titles?q=${encodeURIComponent(q)}` });
    t.ok([200, 400].includes(res.statusCode), q);
    if (res.statusCode === 200) t.ok(res.data.items.every((i: { name: string }) => i.name === 'Her'), `${q}: matches nothing it should not`);
  }
  t.equal((await call(w.app, { method: 'GET', url: '/v1/titles' })).data.items.length, 4, 'the catalogue is whole');
});

t.test('the published document and docs page hold no secrets and nothing of the machine', async (t) => {
  const w = await buildWorld(t);
  for (const url of ['/openapi.json', '/docs/json', '/docs/yaml', '/docs/', '/docs/static/swagger-initializer.js']) {
    const res = await call(w.app, { method: 'GET', url, headers: bearer(w.tokens.admin) });
    t.equal(res.statusCode, 200, url);
    t.notMatch(res.body, /gp_(?:hh|ch|ed|ad)_[0-9A-Za-z]{20,}/, `${url}: no token`);
    for (const secret of Object.values(w.tokens)) t.notOk(res.body.includes(secret.slice(6, 38)), `${url}: no token of ours`);
    t.notOk(res.body.includes(w.database.DATABASE_URL), `${url}: not the database path`);
    t.notMatch(res.body, /\/work\/|\/home\/|\/tmp\/|node_modules|DATABASE_URL|password|secret_key|api_key/i, `${url}: nothing of the machine`);
  }
  t.notOk(JSON.stringify(doc).includes('"example"'), 'no example values that could be real data');
  const ui = await call(w.app, { method: 'GET', url: '/docs/static/swagger-initializer.js' });
  t.notMatch(ui.body, /persistAuthorization:\s*true/, 'the docs page does not keep tokens in the browser');
});

t.test('a method a path does not document is a 405 naming the ones it does', async (t) => {
  const w = await buildWorld(t);
  const paths = new Map<string, string[]>();
  for (const op of operations) paths.set(op.path, [...(paths.get(op.path) ?? []), op.method]);
  let checked = 0;
  for (const [path, methods] of paths) {
    const op = operations.find((o) => o.path === path)!;
    const allowed = [...methods, ...(methods.includes('GET') ? ['HEAD'] : [])];
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'TRACE', 'OPTIONS', 'CONNECT'].filter((m) => !allowed.includes(m))) {
      const res = await call(w.app, { method: method as 'GET', url: urlFor(op, w), headers: bearer(w.tokens.admin) });
      t.equal(res.statusCode, 405, `${method} ${path}`);
      t.match(res.headers['content-type'], isProblem);
      t.same(res.headers.allow?.toString().split(', ').sort(), [...allowed].sort(), `${method} ${path}: Allow`);
      checked += 1;
    }
  }
  t.ok(checked > 150, `${checked} method and path pairs`);
});

t.test('no debug, admin or status pages beyond the documented ones', async (t) => {
  const w = await buildWorld(t);
  for (const url of ['/metrics', '/debug', '/status', '/admin', '/.env', '/config', '/v1/debug', '/v1/admin', '/server-status', '/.git/config', '/package.json', '/graphql']) {
    const res = await call(w.app, { method: 'GET', url, headers: bearer(w.tokens.admin) });
    t.equal(res.statusCode, 404, url);
  }
});
