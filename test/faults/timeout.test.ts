/**
 * A handler that hangs does not hold its connection: past HANDLER_TIMEOUT_MS the client gets a
 * 503 problem, and the server goes on answering others; a slow one within it is not cut off by
 * the connection timeout meanwhile.
 */
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../backend.js';
import type { Store } from '../../src/store/index.js';
import { testStore, call, createTitle, titleInput, tokenFor } from '../helper.js';

/** A store whose title lookups hang until the test lets them go. */
async function hangingStore(): Promise<{ store: Store; release: () => void; hang: (on: boolean) => void }> {
  const store = await testStore();
  const get = store.titles.get.bind(store.titles);
  let hanging = false;
  const waiting: (() => void)[] = [];
  store.titles.get = async (ref) => {
    if (hanging) await new Promise<void>((resolve) => waiting.push(resolve));
    return get(ref);
  };
  return { store, hang: (on) => (hanging = on), release: () => waiting.splice(0).forEach((go) => go()) };
}

t.test('a handler past HANDLER_TIMEOUT_MS answers 503 problem+json, and the server goes on', async (t) => {
  const { store, hang, release } = await hangingStore();
  const app = await buildApp(testConfig({ HANDLER_TIMEOUT_MS: 300 }), { store });
  t.teardown(async () => {
    release();
    await app.close();
  });
  const editor = await tokenFor(app, 'editor');
  const title = await createTitle(app, editor, titleInput());

  hang(true);
  const started = Date.now();
  const res = await Promise.race([
    call(app, { method: 'GET', url: `/v1/titles/${title.id}` }),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 3 s: the handler holds the request')), 3_000).unref()),
  ]);
  const waited = Date.now() - started;
  t.equal(res.statusCode, 503);
  t.equal(res.headers['retry-after'], '1', 'as every 503 does, it says when to ask again');
  t.match(res.headers['content-type'], /^application\/problem\+json/);
  t.match(res.data, { type: 'urn:guidepost:problem:timeout', status: 503, title: 'Service Unavailable', detail: /too long/ });
  t.ok(waited >= 280 && waited < 3_000, `answered when the timeout ran out (${waited} ms)`);

  // The hung lookup finishing later changes nothing for anyone.
  release();
  hang(false);
  const again = await call(app, { method: 'GET', url: `/v1/titles/${title.id}` });
  t.equal(again.statusCode, 200, 'the next request is served');
  t.equal((await call(app, { method: 'GET', url: '/healthz' })).statusCode, 200);
});

t.test('a handler slower than twice REQUEST_TIMEOUT_MS, within HANDLER_TIMEOUT_MS, is answered on a real connection', async (t) => {
  const { store, hang, release } = await hangingStore();
  // Node closes a connection on which nothing moves for connectionTimeout: that must not come first.
  const app = await buildApp(testConfig({ REQUEST_TIMEOUT_MS: 500, HANDLER_TIMEOUT_MS: 3_000 }), { store });
  t.teardown(async () => {
    release();
    await app.close();
  });
  const editor = await tokenFor(app, 'editor');
  const title = await createTitle(app, editor, titleInput());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };

  hang(true);
  const later = setTimeout(release, 1_500);
  t.teardown(() => clearTimeout(later));
  const res = await fetch(`http://127.0.0.1:${port}/v1/titles/${title.id}`, { signal: AbortSignal.timeout(5_000) });
  t.equal(res.status, 200, 'the answer, not a dropped connection');
  t.equal(((await res.json()) as { id: string }).id, title.id);
});

t.test('a quick handler is never cut short', async (t) => {
  const app = await buildApp(testConfig({ HANDLER_TIMEOUT_MS: 300 }));
  t.teardown(() => app.close());
  for (let i = 0; i < 5; i++) t.equal((await call(app, { method: 'GET', url: '/v1/categories' })).statusCode, 200);
});
