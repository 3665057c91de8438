import t from 'tap';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../../src/config.js';
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

  const xml = await send('<title/>', 'application/xml');
  t.equal(xml.statusCode, 415);
  t.match(xml.headers['content-type'], isProblem);

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
