import t from 'tap';
import { build, call } from '../helper.js';

t.test('healthz and readyz', async (t) => {
  const app = await build(t);
  t.same((await call(app, { method: 'GET', url: '/healthz' })).data, { status: 'ok' });
  const ready = await call(app, { method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.same(ready.data, { status: 'ready', checks: { database: true, migrations: true } });
});

t.test('readyz answers 503 when the database is gone', async (t) => {
  const app = await build(t);
  await app.store.close();
  const res = await call(app, { method: 'GET', url: '/readyz' });
  t.equal(res.statusCode, 503);
  t.match(res.headers['content-type'], /^application\/problem\+json/);
  t.equal(res.headers['retry-after'], '5', 'as every 503 does, it says when to ask again');
  t.equal((await call(app, { method: 'GET', url: '/healthz' })).statusCode, 200, 'the process is still alive');
});
