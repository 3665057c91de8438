/** Hooks that are synchronous on the common path: they go on, wait, or fail as async hooks did. */
import Fastify from 'fastify';
import t from 'tap';
import { quickHook, quickSendHook } from '../../src/plugins/hooks.js';

async function appWith(onRequest: Parameters<typeof quickHook>[0], onSend: Parameters<typeof quickSendHook>[0] = () => {}) {
  const app = Fastify();
  const seen: string[] = [];
  app.addHook('onRequest', quickHook(onRequest));
  app.addHook('onSend', quickSendHook(onSend));
  app.get('/', async () => {
    seen.push('handler');
    return { ok: true };
  });
  await app.ready();
  t.teardown(() => app.close());
  return { app, seen };
}

t.test('nothing to do: the request goes on at once, the payload untouched', async (t) => {
  const { app, seen } = await appWith(() => undefined);
  const res = await app.inject('/');
  t.same([res.statusCode, res.json(), seen], [200, { ok: true }, ['handler']]);
});

t.test('a promise is waited for before the request goes on', async (t) => {
  const order: string[] = [];
  const { app } = await appWith(
    async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push('hook');
    },
    (_request, reply) => {
      order.push('send');
      reply.header('x-seen', order.join(','));
    },
  );
  const res = await app.inject('/');
  t.equal(res.statusCode, 200);
  t.equal(res.headers['x-seen'], 'hook,send');
});

t.test('a throw, a rejection and a rejection without a reason all fail the request, and the handler never runs', async (t) => {
  for (const [name, work] of [
    ['throw', () => { throw Object.assign(new Error('no'), { statusCode: 418 }); }],
    ['rejection', () => Promise.reject(Object.assign(new Error('no'), { statusCode: 418 }))],
    ['no reason', () => Promise.reject(undefined)],
  ] as const) {
    const { app, seen } = await appWith(work);
    const res = await app.inject('/');
    t.equal(res.statusCode, name === 'no reason' ? 500 : 418, name);
    t.same(seen, [], `${name}: the handler did not run`);
  }
});

t.test('an onSend that fails turns the answer into the error', async (t) => {
  const { app } = await appWith(
    () => undefined,
    () => Promise.reject(Object.assign(new Error('late'), { statusCode: 503 })),
  );
  t.equal((await app.inject('/')).statusCode, 503);
});
