/**
 * Security headers, CORS and size limits, as a browser or a hostile client meets them: helmet's
 * headers on every kind of answer (JSON, problems, the docs page), cross-origin reads only for
 * the origins CORS_ORIGINS lists, and bodies and headers above the limits refused as problems —
 * the header limit against a real listening server, since inject() has no HTTP parser.
 */
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { testConfig } from '../backend.js';
import { bearer, build, call, signUp, tokenFor } from '../helper.js';
import { headerFaults, listen, rawRequest } from './http.js';

const isProblem = /^application\/problem\+json/;

t.test('helmet headers on JSON, problems, the OpenAPI document and the docs page; nothing names the server', async (t) => {
  const app = await build(t);
  const family = await signUp(app);
  const answers = {
    'a public read': await call(app, { method: 'GET', url: '/v1/categories' }),
    'a household read': await call(app, { method: 'GET', url: '/v1/households/me', headers: bearer(family.token) }),
    'a 400': await call(app, { method: 'GET', url: '/v1/titles?limit=0' }),
    'a 401': await call(app, { method: 'GET', url: '/v1/me', headers: bearer('gp_hh_nope') }),
    'a 404': await call(app, { method: 'GET', url: '/v1/nothing' }),
    'a 405': await call(app, { method: 'DELETE', url: '/v1/categories' }),
    'a 415': await call(app, { method: 'POST', url: '/v1/households', headers: { 'content-type': 'text/plain' }, payload: 'x' }),
    '/openapi.json': await call(app, { method: 'GET', url: '/openapi.json' }),
    '/docs/': await call(app, { method: 'GET', url: '/docs/' }),
    'a docs asset': await call(app, { method: 'GET', url: '/docs/static/index.html' }),
  };
  for (const [name, res] of Object.entries(answers)) {
    t.same(headerFaults(res.headers), [], `${name} (${res.statusCode})`);
  }
  for (const [name, res] of Object.entries(answers)) {
    if (name.includes('docs')) continue;
    t.equal(res.headers['content-security-policy'], "default-src 'none';frame-ancestors 'none'", `${name}: a JSON answer may load nothing and be framed nowhere`);
  }
  t.equal(answers['a 404'].statusCode, 404);
  t.match(answers['a 404'].headers['content-type'], isProblem);

  const csp = String(answers['/docs/'].headers['content-security-policy']);
  t.match(answers['/docs/'].headers['content-type'], /text\/html/);
  for (const directive of ["default-src 'self'", "object-src 'none'", "frame-ancestors 'self'", "script-src-attr 'none'", "base-uri 'self'"]) {
    t.ok(csp.includes(directive), `the docs page's CSP has ${directive}`);
  }
  t.notMatch(csp, /unsafe-eval|unsafe-inline/, 'the docs page allows no eval and nothing inline');
  // Issue 18: over plain HTTP from another machine the browser asked for the page's scripts over HTTPS.
  t.notMatch(csp, /upgrade-insecure-requests/, 'the docs page asks for nothing over another scheme than its own');
});

t.test('CORS: by default no origin may read, and a preflight earns nothing', async (t) => {
  const app = await build(t);
  for (const origin of ['https://evil.example', 'null', 'http://localhost:3000', 'http://127.0.0.1']) {
    const read = await call(app, { method: 'GET', url: '/v1/categories', headers: { origin } });
    t.equal(read.statusCode, 200);
    t.notOk(read.headers['access-control-allow-origin'], `no Access-Control-Allow-Origin for ${origin}`);
    const preflight = await call(app, {
      method: 'OPTIONS',
      url: '/v1/titles',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    t.not(preflight.statusCode, 204, 'no preflight answer');
    t.match(preflight.headers['content-type'], isProblem);
    for (const header of ['access-control-allow-origin', 'access-control-allow-methods', 'access-control-allow-headers', 'access-control-allow-credentials']) {
      t.notOk(preflight.headers[header], `${header} for ${origin}`);
    }
  }
});

t.test('CORS: with CORS_ORIGINS set, exactly those origins may read, never with credentials', async (t) => {
  const listed = ['https://app.example', 'https://admin.example:8443'];
  const app = await build(t, { CORS_ORIGINS: listed });
  const family = await signUp(app);
  for (const origin of listed) {
    const read = await call(app, { method: 'GET', url: '/v1/households/me', headers: { origin, ...bearer(family.token) } });
    t.equal(read.headers['access-control-allow-origin'], origin, `${origin} may read`);
    t.match(read.headers.vary, /Origin/, 'caches keep answers per origin');
    t.notOk(read.headers['access-control-allow-credentials'], 'tokens travel in a header, never as cookies');
    t.match(read.headers['access-control-expose-headers'], /etag/);

    const preflight = await call(app, {
      method: 'OPTIONS',
      url: '/v1/children',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, if-match' },
    });
    t.equal(preflight.statusCode, 204);
    t.equal(preflight.headers['access-control-allow-origin'], origin);
    t.match(preflight.headers['access-control-allow-methods'], /POST/);
    t.match(preflight.headers['access-control-allow-headers'], /authorization/);
    t.match(preflight.headers['access-control-allow-headers'], /if-match/);
    t.ok(Number(preflight.headers['access-control-max-age']) > 0, 'browsers may cache the preflight');
  }
  for (const origin of ['https://evil.example', 'https://app.example.evil.example', 'http://app.example', 'https://app.example:444', 'null']) {
    const read = await call(app, { method: 'GET', url: '/v1/categories', headers: { origin } });
    t.notOk(read.headers['access-control-allow-origin'], `no Access-Control-Allow-Origin for ${origin}`);
    const preflight = await call(app, { method: 'OPTIONS', url: '/v1/titles', headers: { origin, 'access-control-request-method': 'DELETE' } });
    t.notOk(preflight.headers['access-control-allow-origin'], `no preflight grant for ${origin}`);
  }
  const noOrigin = await call(app, { method: 'GET', url: '/v1/categories' });
  t.not(noOrigin.headers['access-control-allow-origin'], '*', 'never a wildcard');
});

t.test('a body over BODY_LIMIT is a 413 problem, before it is parsed and after the role is checked', async (t) => {
  const app = await build(t, { BODY_LIMIT: 4096 });
  const family = await signUp(app);
  const editor = await tokenFor(app, 'editor');
  const big = JSON.stringify({ nickname: 'Maya', birth: '2014', note: 'x'.repeat(5000) });
  for (const [url, token] of [
    ['/v1/children', family.token],
    ['/v1/titles', editor],
  ] as const) {
    const res = await call(app, { method: 'POST', url, headers: { ...bearer(token), 'content-type': 'application/json' }, payload: big });
    t.equal(res.statusCode, 413, url);
    t.match(res.headers['content-type'], isProblem);
    t.match(res.data, { type: 'urn:guidepost:problem:payload-too-large', status: 413, title: 'Payload Too Large' });
  }
  const anonymous = await call(app, { method: 'POST', url: '/v1/children', headers: { 'content-type': 'application/json' }, payload: big });
  t.equal(anonymous.statusCode, 401, 'an anonymous client learns nothing about limits');
  const justUnder = await call(app, {
    method: 'POST',
    url: '/v1/children',
    headers: { ...bearer(family.token), 'content-type': 'application/json' },
    payload: JSON.stringify({ nickname: 'Maya', birth: '2014', pad: 'x'.repeat(3900) }),
  });
  t.equal(justUnder.statusCode, 400, 'a body under the limit is read (and this one refused for its unknown key)');
});

t.test('against a listening server: huge headers are a 431 problem, a streamed body over the limit a 413', async (t) => {
  const app = await buildApp(testConfig({ BODY_LIMIT: 4096 }));
  t.teardown(() => app.close());
  const address = await listen(app);

  const ok = await rawRequest(address, 'GET /v1/categories HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  t.equal(ok.status, 200);
  t.same(headerFaults(ok.headers), [], 'helmet headers over the wire, and no Server or X-Powered-By');

  const under = await rawRequest(address, `GET /v1/categories HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Filler: ${'a'.repeat(12 * 1024)}\r\n\r\n`);
  t.equal(under.status, 200, 'under MAX_HEADER_SIZE (16 KiB by default)');
  const huge = await rawRequest(address, `GET /v1/categories HTTP/1.1\r\nHost: x\r\nX-Filler: ${'a'.repeat(20 * 1024)}\r\n\r\n`);
  t.equal(huge.status, 431, 'over MAX_HEADER_SIZE');
  t.match(huge.headers['content-type'], isProblem);
  t.match(JSON.parse(huge.body), { type: 'about:blank', title: 'Request Header Fields Too Large', status: 431 });

  const manyHeaders = Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'b'.repeat(40)}`).join('\r\n');
  const many = await rawRequest(address, `GET /v1/categories HTTP/1.1\r\nHost: x\r\n${manyHeaders}\r\n\r\n`);
  t.equal(many.status, 431, 'many small headers count together');

  const token = (await (await fetch(`http://${address.host}:${address.port}/v1/households`, { method: 'POST' })).json()) as { token: { token: string } };
  const chunk = `"${'x'.repeat(1000)}",`;
  const streamed = await rawRequest(
    address,
    `POST /v1/children HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token.token.token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
    [...Array.from({ length: 8 }, () => `${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`), '0\r\n\r\n'],
  );
  t.equal(streamed.status, 413, 'a chunked body is counted as it arrives');
  t.match(streamed.headers['content-type'], isProblem);
});

t.test('MAX_HEADER_SIZE sets the header limit, within sane bounds', async (t) => {
  t.equal(loadConfig({}).MAX_HEADER_SIZE, 16 * 1024, "Node's default unless set");
  for (const bad of ['big', '100', String(2 * 1024 * 1024)]) {
    t.throws(() => loadConfig({ MAX_HEADER_SIZE: bad }), { name: 'ConfigError', message: /MAX_HEADER_SIZE=/ }, bad);
  }
  const app = await buildApp(testConfig({ MAX_HEADER_SIZE: 4096 }));
  t.teardown(() => app.close());
  const address = await listen(app);
  const request = (size: number) => rawRequest(address, `GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Filler: ${'a'.repeat(size)}\r\n\r\n`);
  t.equal((await request(3000)).status, 200);
  const over = await request(6000);
  t.equal(over.status, 431, 'a smaller limit applies');
  t.match(over.headers['content-type'], isProblem);
});
