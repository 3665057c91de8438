/** Security headers and CORS: thin wrappers around the upstream plugins, configured from the typed config. */
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';

/**
 * The docs page's policy (src/plugins/docs.ts gives it to swagger-ui): its scripts, styles and the
 * document come from this server only, by relative URLs, so over whatever scheme and host the
 * browser used; nothing inline runs, nothing comes from elsewhere (validatorUrl is null: no badge).
 * Not swagger-ui's own policy, which ends in upgrade-insecure-requests: over plain HTTP at any
 * address but loopback (`docker run -p 3000:3000`, a browser on another machine) the browser then
 * asked for the scripts over HTTPS and the page stayed blank. Behind a TLS-terminating proxy the
 * page is HTTPS, and so is everything it loads, upgraded or not.
 */
export const DOCS_CSP = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'font-src': ["'self'", 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
};

async function securityPlugin(app: FastifyInstance, { config }: { config: Config }): Promise<void> {
  // The API serves JSON: nothing it answers may load anything or be framed, so a response opened
  // in a browser (an error echoing input, say) runs nothing. The docs page sets its own (DOCS_CSP).
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
