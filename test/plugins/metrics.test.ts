import { randomBytes } from 'node:crypto';
import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { advisory, bearer, build, call, createTitle, titleInput, tokenFor } from '../helper.js';
import { BACKEND } from '../backend.js';

const TOKEN = randomBytes(32).toString('hex');
const PROMETHEUS = 'text/plain; version=0.0.4; charset=utf-8';

/** A sample's value from an exposition, by its name and labels as written there; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

t.test('off by default: nothing at /metrics, with or without a token', async (t) => {
  const app = await build(t);
  for (const headers of [{}, bearer(TOKEN)]) {
    const res = await call(app, { method: 'GET', url: '/metrics', headers });
    t.not(res.statusCode, 200);
    t.notMatch(res.body, /guidepost_|nodejs_/);
  }
  t.equal(await app.metrics.listen(), null, 'no listener to open');
});

t.test('with METRICS_TOKEN: served on the API port to that token alone', async (t) => {
  const app = await build(t, { METRICS_TOKEN: TOKEN });
  const unknown = await call(app, { method: 'GET', url: '/no-such-path' });

  const none = await call(app, { method: 'GET', url: '/metrics' });
  t.equal(none.statusCode, 404, 'no token: 404');
  t.same(Object.keys(none.headers).sort(), Object.keys(unknown.headers).sort(), 'the same headers as a path nothing serves');
  t.same({ ...none.data, detail: undefined }, { ...unknown.data, detail: undefined }, 'the same problem, naming the path');

  const wrong = await call(app, { method: 'GET', url: '/metrics', headers: bearer(randomBytes(32).toString('hex')) });
  const wrongElsewhere = await call(app, { method: 'GET', url: '/no-such-path', headers: bearer(randomBytes(32).toString('hex')) });
  t.equal(wrong.statusCode, wrongElsewhere.statusCode, 'a wrong token: what any path answers it (a 401: not a Guidepost token)');
  t.same(wrong.data, wrongElsewhere.data);
  const guidepost = await call(app, { method: 'GET', url: '/metrics', headers: bearer(await tokenFor(app, 'admin')) });
  t.equal(guidepost.statusCode, 404, 'an admin token is not the metrics token');
  const post = await call(app, { method: 'POST', url: '/metrics', headers: bearer(TOKEN) });
  t.same([post.statusCode, post.data], [wrongElsewhere.statusCode, wrongElsewhere.data], 'GET only: a POST with the token is any request with a token not Guidepost\'s');

  const res = await call(app, { method: 'GET', url: '/metrics', headers: bearer(TOKEN) });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], PROMETHEUS);
  t.equal(res.headers['cache-control'], 'no-store');
  t.match(res.body, /^# HELP guidepost_http_request_duration_seconds /m);
  t.equal((await call(app, { method: 'GET', url: '/metrics?name[]=x', headers: { authorization: `bearer  ${TOKEN}` } })).statusCode, 200, 'a query and the scheme in any case');
});

t.test('what the exposition holds', async (t) => {
  const app = await build(t, { METRICS_TOKEN: TOKEN });
  const first = (await call(app, { method: 'GET', url: '/metrics', headers: bearer(TOKEN) })).body;
  for (const name of ['titles', 'build_seconds', 'caught_up_timestamp_seconds', 'changes_behind']) {
    t.ok(Number.isNaN(sample(first, `guidepost_title_index_${name}`)), `${name}: NaN before the index is built`);
  }
  const editor = await tokenFor(app, 'editor');
  const film = await createTitle(app, editor, titleInput({ name: 'Counted', advisory: advisory() }));
  await createTitle(app, editor, titleInput({ name: 'Counted too' }));
  t.equal((await call(app, { method: 'GET', url: `/v1/titles/${film.id}` })).statusCode, 200);
  t.equal((await call(app, { method: 'GET', url: '/v1/titles/imdb:tt0000001' })).statusCode, 404);
  t.equal((await call(app, { method: 'GET', url: '/no/such/path/imdb:tt7654321' })).statusCode, 404);
  await call(app, { method: 'GET', url: '/metrics', headers: bearer(TOKEN) });

  const scrape = await call(app, { method: 'GET', url: '/metrics', headers: bearer(TOKEN) });
  const text = scrape.body;
  t.equal(sample(text, 'guidepost_http_request_duration_seconds_count{method="GET",route="/v1/titles/:title",status_code="200"}'), 1, 'labelled by the route pattern');
  t.equal(sample(text, 'guidepost_http_request_duration_seconds_count{method="GET",route="/v1/titles/:title",status_code="404"}'), 1, 'and the status');
  t.equal(sample(text, 'guidepost_http_request_duration_seconds_count{method="POST",route="/v1/titles",status_code="201"}'), 2);
  t.equal(sample(text, 'guidepost_http_request_duration_seconds_count{method="GET",route="(unmatched)",status_code="404"}'), 1, 'a path no route takes, under one label');
  t.equal(sample(text, 'guidepost_http_request_duration_seconds_bucket{le="0.0005",method="GET",route="/v1/titles/:title",status_code="200"}') !== undefined, true, 'buckets from half a millisecond');
  t.notMatch(text, /tt0000001|tt7654321|\/metrics"|no\/such/, 'no raw URL, reference or scrape among the labels');

  await app.store.titles.warm();
  const after = (await call(app, { method: 'GET', url: '/metrics', headers: bearer(TOKEN) })).body;
  t.equal(sample(after, 'guidepost_title_index_titles'), await app.store.titles.count(), 'the index holds every title');
  t.equal(sample(after, 'guidepost_title_index_titles'), 2);
  t.ok(sample(after, 'guidepost_title_index_build_seconds')! >= 0);
  t.equal(sample(after, 'guidepost_title_index_changes_behind'), 0, 'caught up');
  t.ok(Math.abs(sample(after, 'guidepost_title_index_caught_up_timestamp_seconds')! - Date.now() / 1000) < 60);
  await createTitle(app, editor, titleInput({ name: 'Written since' }));
  const behind = (await call(app, { method: 'GET', url: '/metrics', headers: bearer(TOKEN) })).body;
  t.equal(sample(behind, 'guidepost_title_index_changes_behind'), 1, 'one change behind until the next page');
  t.equal(sample(behind, 'guidepost_title_index_titles'), 2);
  await call(app, { method: 'GET', url: '/v1/titles' });
  const caughtUp = (await call(app, { method: 'GET', url: '/metrics', headers: bearer(TOKEN) })).body;
  t.equal(sample(caughtUp, 'guidepost_title_index_changes_behind'), 0);
  t.equal(sample(caughtUp, 'guidepost_title_index_titles'), 3);

  for (const name of ['process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds', 'process_cpu_seconds_total', 'guidepost_overloaded']) {
    t.ok(sample(caughtUp, name)! >= 0, `${name} present`);
  }
  t.match(caughtUp, /^nodejs_gc_duration_seconds_bucket/m, 'garbage collection');
  t.match(caughtUp, /^guidepost_build_info\{version="\d+\.\d+\.\d+"\} 1$/m);
  if (BACKEND === 'postgres') {
    t.equal(sample(caughtUp, 'guidepost_db_pool_max_connections'), 10, 'the pool');
    t.ok(sample(caughtUp, 'guidepost_db_pool_connections')! >= 1);
    t.equal(sample(caughtUp, 'guidepost_db_pool_waiting_queries'), 0);
  } else t.notMatch(caughtUp, /guidepost_db_pool/, 'SQLite has no pool');
});

t.test('a database that does not answer: the process figures still, the index lag unknown', async (t) => {
  const app = await build(t, { METRICS_TOKEN: TOKEN });
  await app.store.titles.warm();
  await app.store.close();
  const res = await call(app, { method: 'GET', url: '/metrics', headers: bearer(TOKEN) });
  t.equal(res.statusCode, 200);
  t.ok(Number.isNaN(sample(res.body, 'guidepost_title_index_changes_behind')), 'NaN: no alert fires on a figure not known');
  t.ok(sample(res.body, 'process_resident_memory_bytes')! > 0);
});

t.test('scrapes count against no rate limit and pass load shedding', async (t) => {
  const app = await build(t, { METRICS_TOKEN: TOKEN, RATE_LIMIT_ANONYMOUS: 2, MAX_EVENT_LOOP_DELAY_MS: 0 });
  for (let i = 0; i < 5; i++) {
    const res = await call(app, { method: 'GET', url: '/metrics', headers: bearer(TOKEN) });
    t.equal(res.statusCode, 200);
    t.equal(res.headers.ratelimit, undefined);
  }
  t.match((await call(app, { method: 'GET', url: '/v1/titles' })).headers.ratelimit, /^"anonymous";r=1;/, 'the address has its whole allowance');
});

t.test('with METRICS_PORT: served on that port alone, and closed with the app', async (t) => {
  const app = await build(t, { METRICS_PORT: 0 });
  const api = await app.listen({ port: 0, host: '127.0.0.1' });
  const url = (await app.metrics.listen())!;
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  await fetch(`${api}/v1/titles`);

  const res = await fetch(url);
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-type'), PROMETHEUS);
  t.match(await res.text(), /guidepost_http_request_duration_seconds_count\{method="GET",route="\/v1\/titles",status_code="200"\} 1/);
  const head = await fetch(url, { method: 'HEAD' });
  t.same([head.status, await head.text()], [200, ''], 'HEAD: the headers alone');
  t.equal((await fetch(url, { method: 'POST' })).status, 404, 'GET and HEAD only');
  t.equal((await fetch(url.replace(/metrics$/, 'v1/titles'))).status, 404, 'nothing else on the metrics port');
  t.equal((await fetch(`${api}/metrics`)).status, 404, 'not on the API port');
  t.equal((await fetch(`${api}/metrics`, { headers: bearer(TOKEN) })).status, 401, 'whatever the token');

  await app.close();
  await t.rejects(fetch(url), 'the metrics port closes with the app');
});

t.test('with METRICS_PORT and METRICS_TOKEN: the port asks for the token', async (t) => {
  const app = await build(t, { METRICS_PORT: 0, METRICS_TOKEN: TOKEN });
  const url = (await app.metrics.listen())!;
  const none = await fetch(url);
  t.equal(none.status, 401);
  t.equal(none.headers.get('www-authenticate'), 'Bearer realm="guidepost metrics"');
  t.equal((await fetch(url, { headers: bearer('x'.repeat(40)) })).status, 401);
  t.equal((await fetch(url, { headers: bearer(TOKEN) })).status, 200);
  t.equal((await app.inject({ method: 'GET', url: '/metrics', headers: bearer(TOKEN) })).statusCode, 401, 'and it is still not on the API port');
});

t.test('the configuration', async (t) => {
  t.match(loadConfig({}), { METRICS_PORT: undefined, METRICS_TOKEN: undefined, METRICS_HOST: '127.0.0.1' });
  t.match(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0', METRICS_TOKEN: TOKEN }), { METRICS_PORT: 9464, METRICS_HOST: '0.0.0.0', METRICS_TOKEN: TOKEN });
  for (const [name, env, reason] of [
    ['METRICS_PORT', { METRICS_PORT: 'nine' }, /METRICS_PORT="nine"/],
    ['METRICS_PORT', { METRICS_PORT: '70000' }, /METRICS_PORT="70000"/],
    ['METRICS_PORT', { METRICS_PORT: '3000' }, /METRICS_PORT="3000": must differ from PORT/],
    ['METRICS_PORT', { METRICS_PORT: '8080', PORT: '8080' }, /METRICS_PORT="8080": must differ from PORT \(8080\)/],
    ['METRICS_TOKEN', { METRICS_TOKEN: 'short' }, /METRICS_TOKEN="\(hidden\)": at least 32 characters/],
    ['METRICS_TOKEN', { METRICS_TOKEN: `${TOKEN} x` }, /METRICS_TOKEN="\(hidden\)"/],
  ] as const) {
    t.throws(() => loadConfig(env), { name: 'ConfigError', message: reason }, `${name}: ${JSON.stringify(env)}`);
  }
});
