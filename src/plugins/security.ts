/** Security headers and CORS: thin wrappers around the upstream plugins, configured from the typed config. */
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

async function securityPlugin(app: FastifyInstance, { config }: { config: Config }): Promise<void> {
  // The API serves JSON: nothing it answers may load anything or be framed, so a response opened
  // in a browser (an error echoing input, say) runs nothing. The docs page sets its own policy.
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    // The same for older browsers, which read X-Frame-Options and not frame-ancestors.
    frameguard: { action: 'deny' },
  });
  // No origin is allowed unless listed: browsers then refuse cross-site reads.
  await app.register(cors, {
    origin: config.CORS_ORIGINS.length > 0 ? config.CORS_ORIGINS : false,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'if-match', 'if-none-match', 'idempotency-key'],
    exposedHeaders: ['etag', 'location', 'retry-after', 'ratelimit', 'ratelimit-policy', 'idempotent-replayed'],
    maxAge: 600,
  });
}

export default fp(securityPlugin, { name: 'security' });
