import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createServices, type ServiceConfig, type Services } from '../services/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

/** Decorates the services, over the instance's store, onto the instance. */
async function servicesPlugin(app: FastifyInstance, { config }: { config: ServiceConfig }): Promise<void> {
  app.decorate('services', createServices(app.store, config));
}

export default fp(servicesPlugin, { name: 'services', dependencies: ['store'] });
