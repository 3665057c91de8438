/**
 * buildApp(config): the application without the process. Compilers first, then the external
 * plugins, then our own, then routes. Tests build this; src/server.ts listens.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { openConfiguredStore, timeoutCheckInterval, type Config } from './config.js';
import { loadDemo } from './demo/load.js';
import { maskTokens } from './domain/tokens.js';
import authPlugin from './plugins/auth.js';
import cursorPlugin from './plugins/cursor.js';
import docsPlugin from './plugins/docs.js';
import drainingPlugin from './plugins/draining.js';
import errorsPlugin, { clientErrorHandler, frameworkErrors, ROUTER_OPTIONS } from './plugins/errors.js';
import pressurePlugin from './plugins/pressure.js';
import idempotencyPlugin from './plugins/idempotency.js';
import jsonBodyPlugin from './plugins/json-body.js';
import metricsPlugin from './plugins/metrics.js';
import rateLimitPlugin, { tokenGuard } from './plugins/rate-limit.js';
import securityPlugin from './plugins/security.js';
import servicesPlugin from './plugins/services.js';
import storePlugin from './plugins/store.js';
import advisoryRoutes from './routes/advisories.js';
import childVerdictRoutes from './routes/child-verdicts.js';
import childRoutes from './routes/children.js';
import flagRoutes from './routes/flags.js';
import healthRoutes from './routes/health.js';
import reviewRoutes from './routes/reviews.js';
import householdRoutes from './routes/households.js';
import overrideRoutes from './routes/overrides.js';
import referenceRoutes from './routes/reference.js';
import requestRoutes from './routes/requests.js';
import titlesRoutes from './routes/titles.js';
import tokenRoutes from './routes/tokens.js';
import verdictRoutes from './routes/verdicts.js';
import { serializerCompiler } from './schemas/serializer.js';
import type { Store } from './store/index.js';

export interface BuildOptions {
  /** Use this store instead of opening the one DATABASE_URL names. */
  store?: Store;
  /** Where logs go instead of stdout (tests read them). */
  logStream?: NodeJS.WritableStream;
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: config.LOG_LEVEL,
      // Tokens must never reach a log: not from the headers, nor from a URL a client put one in.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
      serializers: {
        req: (req: FastifyRequest) => ({ method: req.method, url: maskTokens(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort }),
      },
      ...(options.logStream && { stream: options.logStream }),
    },
    bodyLimit: config.BODY_LIMIT,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    // The client address per-address limits count: from X-Forwarded-For only through trusted proxies.
    trustProxy: config.TRUST_PROXY,
    // A connection on which nothing moves this long mid-request is closed unanswered (a client that
    // stops reading its answer). Twice the handler's time, which is longer than the request's, so a
    // handler working quietly gets to answer, or to say 503, before its connection is taken away.
    connectionTimeout: config.HANDLER_TIMEOUT_MS * 2,
    // A handler still busy after this answers 503 (the errors plugin words it) instead of holding the connection.
    handlerTimeout: config.HANDLER_TIMEOUT_MS,
    // While closing, the draining plugin answers late requests as problems, not Fastify's plain JSON 503.
    return503OnClosing: false,
    // close() waits for requests in flight: Node closes idle keep-alive connections itself, and no
    // busy one is cut (some Fastify 5 releases reset busy ones under the default 'idle': fastify#6889).
    forceCloseConnections: false,
    http: {
      // The request line and headers together; above it Node answers 431 (see clientErrorHandler).
      maxHeaderSize: config.MAX_HEADER_SIZE,
      // Node enforces the request timeout only when it checks, every 30 s unless told: a slow
      // client would otherwise keep its connection up to 30 s past its time.
      connectionsCheckingInterval: timeoutCheckInterval(config.REQUEST_TIMEOUT_MS),
      // Headers get the whole request's time, not Node's 60 s, which would be shorter than a long
      // REQUEST_TIMEOUT_MS; requestTimeout is repeated here because Node refuses a headersTimeout
      // above its own 300 s default at creation (Fastify sets requestTimeout only afterwards).
      headersTimeout: config.REQUEST_TIMEOUT_MS,
      requestTimeout: config.REQUEST_TIMEOUT_MS,
    },
    routerOptions: ROUTER_OPTIONS,
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: a text/plain body is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');

  const store = options.store ?? (await openConfiguredStore(config));
  if (config.GUIDEPOST_DEMO) {
    const report = await loadDemo(store);
    if (report) app.log.info({ titles: report.created }, 'loaded the demo catalogue');
  }

  await app.register(errorsPlugin);
  await app.register(jsonBodyPlugin);
  await app.register(storePlugin, { store });
  await app.register(servicesPlugin, { config });
  await app.register(docsPlugin);
  await app.register(securityPlugin, { config });
  // Before load shedding, the limits and auth: a scrape is answered when the server is busiest,
  // spends no client's allowance, and carries a token that is not a Guidepost one.
  await app.register(metricsPlugin, { config });
  // Before auth: a request turned away costs no token lookup.
  await app.register(drainingPlugin);
  await app.register(pressurePlugin, { config });
  await app.register(tokenGuard, { config });
  await app.register(authPlugin);
  await app.register(cursorPlugin);
  // Idempotency before the limits: their documentation covers the answers it adds (409, 422).
  await app.register(idempotencyPlugin);
  await app.register(rateLimitPlugin, { config });

  await app.register(healthRoutes);
  await app.register(referenceRoutes);
  await app.register(titlesRoutes);
  await app.register(advisoryRoutes);
  await app.register(verdictRoutes);
  await app.register(tokenRoutes);
  await app.register(householdRoutes, { config });
  await app.register(childRoutes, { config });
  await app.register(childVerdictRoutes);
  await app.register(overrideRoutes);
  await app.register(requestRoutes);
  await app.register(reviewRoutes);
  await app.register(flagRoutes);

  return app;
}
