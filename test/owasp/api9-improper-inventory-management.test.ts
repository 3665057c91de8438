/**
 * OWASP API9:2023 Improper Inventory Management — endpoints nobody documented or remembers:
 * old versions, debug routes, shadow copies. The inventory is the OpenAPI document: every route
 * the app serves is in it (or is one of the few undocumented ones named here: the documents
 * themselves), every operation in it is served, every API path is versioned under /v1, and the
 * copy committed under openapi/ is the one the app serves. The Prometheus metrics are the operator's,
 * not the public's: off by default, and when on, no route of the API (see the last test).
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import pkg from '../../package.json' with { type: 'json' };
import { OPENAPI_FILE } from '../../scripts/openapi.js';
import { bearer, build, call } from '../helper.js';
import { buildWorld } from '../security/world.js';
import { bodyFor, doc, keyOf, operations, requestFor } from './operations.js';

/** Served but not API operations: the health checks are documented; these serve the documentation itself. */
const UNDOCUMENTED = [/^\/openapi\.json$/, /^\/docs(\/|$)/];
/** Unversioned paths, all operational. */
const UNVERSIONED = ['/healthz', '/readyz'];

t.test('every served route is in the document, and nothing else is served', async (t) => {
  const w = await buildWorld(t);
  await w.app.ready();
  const documented = new Set(operations.map(keyOf));
  const served = w.app.registeredRoutes
    .filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS')
    .map((r) => ({ key: `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`, url: r.url, hidden: r.hidden }));
  const shadow = served.filter((r) => !documented.has(r.key) && !UNDOCUMENTED.some((p) => p.test(r.url)));
  t.same(shadow.map((r) => r.key), [], 'no route outside the document');
  t.same(served.filter((r) => r.hidden).filter((r) => !UNDOCUMENTED.some((p) => p.test(r.url))).map((r) => r.key), [], 'hidden routes serve only the documents');
  const servedKeys = new Set(served.map((r) => r.key));
  t.same([...documented].filter((key) => !servedKeys.has(key)), [], 'no documented operation is missing');
});

t.test('every documented operation answers from its route, not from the not-found handler', async (t) => {
  const w = await buildWorld(t);
  for (const op of operations) {
    const res = await call(w.app, requestFor(op, w, w.tokens.admin));
    t.notOk(res.statusCode === 405 || (res.statusCode === 404 && /^Nothing is served at/.test(res.data?.detail ?? '')), `${keyOf(op)}: ${res.statusCode}`);
  }
});

t.test('API paths are versioned under /v1; no unversioned or other-version twin answers', async (t) => {
  const w = await buildWorld(t);
  for (const path of Object.keys(doc.paths)) {
    t.ok(path.startsWith('/v1/') || UNVERSIONED.includes(path), `${path} is under /v1`);
  }
  for (const op of operations.filter((o) => o.path.startsWith('/v1/'))) {
    for (const twin of [op.path.replace(/^\/v1/, ''), op.path.replace(/^\/v1/, '/v2'), op.path.replace(/^\/v1/, '/v0'), op.path.replace(/^\/v1/, '/api/v1'), op.path.replace(/^\/v1/, '/V1')]) {
      const res = await call(w.app, requestFor({ ...op, path: twin }, w, w.tokens.admin, {}, bodyFor(op, w)));
      t.equal(res.statusCode, 404, `${op.method} ${twin}`);
    }
  }
});

t.test('the committed document is the one served, for this version of the package', async (t) => {
  const w = await buildWorld(t);
  const served = await call(w.app, { method: 'GET', url: '/openapi.json', headers: bearer(w.tokens.admin) });
  t.same(served.data, JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')), 'openapi/openapi.json is current (npm run openapi)');
  t.equal(doc.info.version, pkg.version);
  const docsCopy = await call(w.app, { method: 'GET', url: '/docs/json' });
  t.same(docsCopy.data, served.data, 'the docs page shows the same inventory');
  for (const op of operations) t.ok((op.operation as { tags?: string[] }).tags?.length, `${keyOf(op)} is filed under a tag`);
});

t.test('the metrics are outside the inventory: no route, and to anyone without their token /metrics is any unserved path', async (t) => {
  const token = 'm'.repeat(40);
  const app = await build(t, { METRICS_TOKEN: token });
  await app.ready();
  t.same(app.registeredRoutes.filter((r) => r.url.startsWith('/metrics')), [], 'no route');
  t.notOk(Object.keys(doc.paths).some((path) => path.startsWith('/metrics')), 'not in the document');
  for (const headers of [{}, bearer('gp_hh_notatoken'), bearer('m'.repeat(41))]) {
    const [metrics, unserved] = await Promise.all(['/metrics', '/no-such-path'].map((url) => call(app, { method: 'GET', url, headers })));
    t.equal(metrics!.statusCode, unserved!.statusCode, `the same status: ${metrics!.statusCode}`);
    t.same(Object.keys(metrics!.headers).sort(), Object.keys(unserved!.headers).sort(), 'the same headers');
    t.same({ ...metrics!.data, detail: null }, { ...unserved!.data, detail: null }, 'the same problem');
  }
  t.equal((await call(app, { method: 'GET', url: '/metrics', headers: bearer(token) })).statusCode, 200, 'its token gets it');
});
