import t from 'tap';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../backend.js';
import { bearer, build, call, titleInput, tokenFor } from '../helper.js';

const isProblem = /^application\/problem\+json/;

t.test('malformed JSON, wrong content type, empty body, over-large body', async (t) => {
  const app = await build(t, { BODY_LIMIT: 2048 });
  const editor = await tokenFor(app, 'editor');
  const send = (payload: string, contentType?: string) =>
    call(app, { method: 'POST', url: '/v1/titles', headers: { ...bearer(editor), ...(contentType ? { 'content-type': contentType } : {}) }, payload });

  const malformed = await send('{"name": "Her", ', 'application/json');
  t.equal(malformed.statusCode, 400);
  t.match(malformed.headers['content-type'], isProblem);
  t.equal(malformed.data.type, 'urn:guidepost:problem:malformed-json');

  for (const type of ['application/xml', 'text/plain', 'application/merge-patch+json']) {
    const res = await send('{}', type);
    t.equal(res.statusCode, 415, type);
    t.match(res.headers['content-type'], isProblem);
  }

  const empty = await send('', 'application/json');
  t.equal(empty.statusCode, 400);
  t.match(empty.headers['content-type'], isProblem);

  const big = await send(JSON.stringify(titleInput({ synopsis: 'x'.repeat(4000) })), 'application/json');
  t.equal(big.statusCode, 413);
  t.match(big.headers['content-type'], isProblem);

  const array = await send('[1,2]', 'application/json');
  t.equal(array.statusCode, 400);
  t.equal(await app.store.titles.count(), 0);
});

t.test('who may ask comes before what is asked: 401/403 before 400, 413 or 415', async (t) => {
  const app = await build(t, { BODY_LIMIT: 2048 });
  const anonymous = await call(app, { method: 'POST', url: '/v1/titles', payload: {} });
  t.equal(anonymous.statusCode, 401);
  t.notMatch(anonymous.body, /name|kind/, 'the schema is not revealed');
  t.equal((await call(app, { method: 'POST', url: '/v1/titles', headers: { 'content-type': 'text/plain' }, payload: 'x' })).statusCode, 401);
  t.equal((await call(app, { method: 'POST', url: '/v1/titles', payload: { synopsis: 'x'.repeat(5000) } })).statusCode, 401);
  t.equal((await call(app, { method: 'POST', url: '/v1/tokens', payload: { role: 'x' } })).statusCode, 401);
  const editor = await tokenFor(app, 'editor');
  t.equal((await call(app, { method: 'POST', url: '/v1/tokens', headers: bearer(editor), payload: { role: 'x' } })).statusCode, 403);
});

t.test('bad URLs are problems too', async (t) => {
  const app = await build(t);
  const badUrl = await call(app, { method: 'GET', url: '/v1/titles/%E0%A4%A' });
  t.equal(badUrl.statusCode, 400);
  t.match(badUrl.headers['content-type'], isProblem);
  const long = await call(app, { method: 'GET', url: `/v1/titles/${'x'.repeat(300)}` });
  t.equal(long.statusCode, 400, 'over the schema limit');
  t.match(long.headers['content-type'], isProblem);
  const tooLong = await call(app, { method: 'GET', url: `/v1/titles/${'x'.repeat(1200)}` });
  t.equal(tooLong.statusCode, 414);
  t.match(tooLong.headers['content-type'], isProblem);
});

t.test('Node-level client errors are answered as problems', async (t) => {
  const { clientErrorHandler } = await import('../../src/plugins/errors.js');
  const { PassThrough } = await import('node:stream');
  for (const [code, status] of [
    ['HPE_HEADER_OVERFLOW', 431],
    ['HPE_INVALID_METHOD', 400],
  ] as const) {
    const socket = new PassThrough();
    let written = '';
    socket.on('data', (d) => (written += d));
    // Fastify calls it bound to the instance; only its logger is used.
    clientErrorHandler.call({ log: { info() {} } } as never, Object.assign(new Error('x'), { code }), socket as never);
    await new Promise((r) => setImmediate(r));
    t.match(written, new RegExp(`^HTTP/1.1 ${status} `), code);
    t.match(written, /Content-Type: application\/problem\+json/);
    t.match(written, new RegExp(`"status":${status}`));
  }
});

t.test('unknown routes are 404, known paths with other methods are 405 with Allow', async (t) => {
  const app = await build(t);
  const nothing = await call(app, { method: 'GET', url: '/v1/nothing-here' });
  t.equal(nothing.statusCode, 404);
  t.match(nothing.headers['content-type'], isProblem);
  t.match(nothing.data, { status: 404, title: 'Not Found' });

  const put = await call(app, { method: 'PUT', url: '/v1/titles' });
  t.equal(put.statusCode, 405);
  t.match(put.headers['content-type'], isProblem);
  t.equal(put.headers.allow, 'GET, HEAD, POST');
  const del = await call(app, { method: 'DELETE', url: '/v1/categories' });
  t.equal(del.statusCode, 405);
  const post = await call(app, { method: 'POST', url: '/v1/titles/imdb:tt1798709/verdict' });
  t.equal(post.statusCode, 405);
  t.equal(post.headers.allow, 'GET, HEAD');
  t.equal((await call(app, { method: 'POST', url: '/v1/titles/imdb:tt1798709/verdict/' })).statusCode, 405, 'a trailing slash changes nothing');
  const slash = await call(app, { method: 'PUT', url: '/v1/titles/' });
  t.equal(slash.statusCode, 405);
  t.equal(slash.headers.allow, 'GET, HEAD, POST');
  t.equal((await call(app, { method: 'GET', url: '/docs/static/nothing-here.js' })).statusCode, 404, 'a missing file under a GET route is 404');
  const head = await call(app, { method: 'HEAD', url: '/v1/categories' });
  t.equal(head.statusCode, 200);
  t.equal(head.body, '');
});

t.test('a 500 hides its details', async (t) => {
  const app = await buildApp(testConfig());
  t.teardown(() => app.close());
  app.get('/boom', async () => {
    throw new Error('SELECT secret FROM tokens -- at /work/src/x.ts:1');
  });
  const res = await call(app, { method: 'GET', url: '/boom' });
  t.equal(res.statusCode, 500);
  t.match(res.headers['content-type'], isProblem);
  t.notMatch(res.body, /SELECT|secret|\.ts|stack/);
  t.match(res.data, { type: 'about:blank', title: 'Internal Server Error', status: 500 });
});

t.test('a response that breaks its own schema is a hidden 500', async (t) => {
  const app = await buildApp(testConfig());
  t.teardown(() => app.close());
  const { z } = await import('zod');
  app.get('/bad-shape', { schema: { response: { 200: z.object({ n: z.number() }) } } }, async () => ({ n: 'not a number' }) as never);
  const res = await call(app, { method: 'GET', url: '/bad-shape' });
  t.equal(res.statusCode, 500);
  t.notMatch(res.body, /not a number/);
});
