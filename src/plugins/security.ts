/** Security headers and CORS: helmet and @fastify/cors, configured from the typed config. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
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

/**
 * The headers helmet sets for `options`, worked out once. @fastify/helmet builds helmet's
 * middleware again on every request, parsing the policy each time: 6–8 % of a title read's busy
 * time in issue 19's profile. None of these headers depends on the request.
 */
export function helmetHeaders(options: Readonly<HelmetOptions>): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => {});
  return headers;
}

async function securityPlugin(app: FastifyInstance, { config }: { config: Config }): Promise<void> {
  // The API serves JSON: nothing it answers may load anything or be framed, so a response opened
  // in a browser (an error echoing input, say) runs nothing. The docs page sets its own (DOCS_CSP).
  const headers = helmetHeaders({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    // The same for older browsers, which read X-Frame-Options and not frame-ancestors.
    frameguard: { action: 'deny' },
  });
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
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
