import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Store } from '../store/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
  }
}

/** Decorates the store onto the instance and closes it with the app. */
async function storePlugin(app: FastifyInstance, { store }: { store: Store }): Promise<void> {
  app.decorate('store', store);
  app.addHook('onClose', async () => store.close());
}

export default fp(storePlugin, { name: 'store' });
