/**
 * Load shedding: past a threshold every request but /healthz is answered at once with a 503
 * problem and Retry-After; /readyz reports the pressure the same way; 0 turns a threshold off.
 * The figures are sampled once a second, so each test waits for a sample.
 */
import t from 'tap';
import { build, call } from '../helper.js';
import { sleep } from './support.js';

const SAMPLE = 1_200;

t.test('over the heap threshold: 503 overloaded with Retry-After, /healthz still alive, /readyz not ready', async (t) => {
  const app = await build(t, { MAX_HEAP_USED_MB: 1 });
  await sleep(SAMPLE);
  const res = await call(app, { method: 'GET', url: '/v1/categories' });
  t.equal(res.statusCode, 503);
  t.match(res.headers['content-type'], /^application\/problem\+json/);
  t.equal(res.headers['retry-after'], '5');
  t.match(res.data, { type: 'urn:guidepost:problem:overloaded', status: 503, title: 'Service Unavailable', detail: /retry in 5 seconds/ });
  t.notMatch(res.body, /heap|rss|bytes/i, 'the figures stay in the log');
  t.equal(res.headers['x-content-type-options'], 'nosniff', 'security headers still go out');

  const write = await call(app, { method: 'POST', url: '/v1/households', payload: {} });
  t.equal(write.statusCode, 503, 'writes are shed before they touch the database');

  const health = await call(app, { method: 'GET', url: '/healthz' });
  t.equal(health.statusCode, 200, 'the process is alive, only busy');
  const ready = await call(app, { method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 503, '/readyz tells the load balancer to send traffic elsewhere');
  t.equal(ready.data.type, 'urn:guidepost:problem:overloaded');
});

t.test('over the resident-memory threshold: shed too', async (t) => {
  const app = await build(t, { MAX_RSS_MB: 1 });
  await sleep(SAMPLE);
  const res = await call(app, { method: 'GET', url: '/v1/rating-systems' });
  t.equal(res.statusCode, 503);
  t.equal(res.data.type, 'urn:guidepost:problem:overloaded');
});

t.test('a blocked event loop sheds load, and serving resumes once it recovers', async (t) => {
  const app = await build(t, { MAX_EVENT_LOOP_DELAY_MS: 200 });
  await call(app, { method: 'GET', url: '/healthz' });
  // Hold the loop longer than a sample: the next sample sees a delay of about two seconds.
  const until = Date.now() + 2_100;
  while (Date.now() < until);
  await sleep(50);
  const shed = await call(app, { method: 'GET', url: '/v1/categories' });
  t.equal(shed.statusCode, 503);
  t.equal(shed.data.type, 'urn:guidepost:problem:overloaded');
  await sleep(SAMPLE);
  t.equal((await call(app, { method: 'GET', url: '/v1/categories' })).statusCode, 200, 'served again after a calm sample');
});

t.test('0 turns every threshold off', async (t) => {
  const app = await build(t, { MAX_EVENT_LOOP_DELAY_MS: 0, MAX_HEAP_USED_MB: 0, MAX_RSS_MB: 0 });
  await sleep(SAMPLE);
  t.equal((await call(app, { method: 'GET', url: '/v1/categories' })).statusCode, 200);
  t.equal((await call(app, { method: 'GET', url: '/readyz' })).statusCode, 200);
});
