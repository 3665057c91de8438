/**
 * Prometheus metrics through prom-client, off unless METRICS_PORT or METRICS_TOKEN is set: request
 * durations per route, method and status; the process's CPU, memory, event-loop delay and garbage
 * collection; the title index's size, build time and lag behind the change log; the PostgreSQL pool.
 * Never served to the public API's clients:
 *
 * - METRICS_PORT: at /metrics on a listener of its own (METRICS_HOST, loopback by default), which
 *   src/server.ts opens once the API listens (`app.metrics.listen()`) and which closes with the app.
 *   Never on the API port.
 * - Otherwise METRICS_TOKEN: at GET /metrics on the API port, to `Authorization: Bearer <token>`
 *   alone. There is no route: a hook answers that one request before load shedding, the limits and
 *   authentication see it, so it is counted against no client's limit and answered when the server
 *   is busiest. Any other request for /metrics goes on as it would on a server without metrics (a
 *   404, or a 401 for a bearer token that is not a Guidepost one), so the public cannot tell it is there.
 *
 * The token, when set, is asked for on the metrics port too. Scrapes are not in the request histogram.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Config } from '../config.js';
import { bearerToken } from './auth.js';
import pkg from '../../package.json' with { type: 'json' };

declare module 'fastify' {
  interface FastifyInstance {
    metrics: {
      /** Opens the metrics listener METRICS_PORT names and answers its address; null when there is none to open. */
      listen(): Promise<string | null>;
    };
  }
}

export const METRICS_PATH = '/metrics';

/** The route label of a request no route took (404, 405): one series, never the raw URL. */
export const UNMATCHED = '(unmatched)';

/** From half a millisecond (a title from memory) to five seconds (past it, something is wrong). */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

let processRegistry: Registry | undefined;

/**
 * prom-client's default metrics under their standard names (process_*, nodejs_*), which Grafana's
 * Node.js dashboards read. Collected once per process however many apps it builds (tests build
 * many): they describe the process, and their collectors (an event-loop delay histogram, a garbage
 * collection observer) are never stopped.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** Whether an Authorization header carries the token; compared in constant time. */
function bearerOf(token: string): (header: string | undefined) => boolean {
  const expected = sha256(token);
  return (header) => {
    const given = header === undefined ? undefined : bearerToken(header);
    return given !== undefined && timingSafeEqual(sha256(given), expected);
  };
}

const isMetricsPath = (url: string) => url === METRICS_PATH || url.startsWith(`${METRICS_PATH}?`);

async function metricsPlugin(app: FastifyInstance, { config }: { config: Config }): Promise<void> {
  const port = config.METRICS_PORT;
  const token = config.METRICS_TOKEN;
  if (port === undefined && token === undefined) {
    app.decorate('metrics', { listen: async () => null });
    return;
  }

  // The app's own registry: an app's figures never meet another's in one process.
  const own = new Registry();
  const registers = [own];
  new Gauge({ name: 'guidepost_build_info', help: 'The Guidepost version this process runs (always 1).', labelNames: ['version'], registers }).set({ version: pkg.version }, 1);
  const durations = new Histogram({
    name: 'guidepost_http_request_duration_seconds',
    help: `Time from a request's arrival to its answer, by method, route pattern (${UNMATCHED} for a request no route took) and status code.`,
    labelNames: ['method', 'route', 'status_code'],
    buckets: DURATION_BUCKETS,
    registers,
  });
  const indexTitles = new Gauge({ name: 'guidepost_title_index_titles', help: "Titles this process's in-memory title index holds.", registers });
  const indexBuild = new Gauge({ name: 'guidepost_title_index_build_seconds', help: 'Seconds the last full build of the title index took (at start-up, or after falling too far behind the change log).', registers });
  const indexCaughtUp = new Gauge({
    name: 'guidepost_title_index_caught_up_timestamp_seconds',
    help: 'When the title index last caught up with the change log, in Unix time: it does before every catalogue page, so an idle instance falls behind harmlessly.',
    registers,
  });
  const indexBehind = new Gauge({
    name: 'guidepost_title_index_changes_behind',
    help: 'Changes in the database change log (writes to titles by any instance) the title index has not applied yet; it applies them before its next catalogue page.',
    registers,
  });
  const overloaded = new Gauge({ name: 'guidepost_overloaded', help: '1 while the server sheds load (503 overloaded), else 0.', registers });
  const pool = app.store.poolStats()
    ? {
        total: new Gauge({ name: 'guidepost_db_pool_connections', help: 'PostgreSQL connections open in the pool, idle or in use.', registers }),
        idle: new Gauge({ name: 'guidepost_db_pool_idle_connections', help: 'PostgreSQL connections open and idle.', registers }),
        waiting: new Gauge({ name: 'guidepost_db_pool_waiting_queries', help: 'Queries waiting for a PostgreSQL connection.', registers }),
        max: new Gauge({ name: 'guidepost_db_pool_max_connections', help: 'The most connections the pool opens (DATABASE_POOL_SIZE).', registers }),
      }
    : null;
  const registry = Registry.merge([processMetrics(), own]);

  /** The exposition: Guidepost's gauges read now (one database row for the index's lag), then everything. */
  async function exposition(): Promise<string> {
    const stats = await app.store.titles.indexStats().catch((err: unknown) => {
      app.log.warn({ err }, 'metrics: could not read how far the title index is behind');
      return undefined;
    });
    // NaN while not known (before the index is built, or the database did not answer): no alert fires on it.
    indexTitles.set(stats?.titles ?? NaN);
    indexBuild.set(stats?.buildSeconds ?? NaN);
    indexCaughtUp.set(stats?.caughtUpAt ?? NaN);
    indexBehind.set(stats?.changesBehind ?? NaN);
    overloaded.set(app.hasDecorator('isUnderPressure') && app.isUnderPressure() ? 1 : 0);
    const now = app.store.poolStats();
    if (pool && now) for (const key of ['total', 'idle', 'waiting', 'max'] as const) pool[key].set(now[key]);
    return registry.metrics();
  }

  const scrapes = new WeakSet<FastifyRequest>();
  // Every answer but a scrape: a callback hook, so a request costs prom-client's observe and no promise.
  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const route = request.routeOptions.url;
    if (route !== undefined || !scrapes.has(request)) {
      durations.observe({ method: request.method, route: route ?? UNMATCHED, status_code: reply.statusCode }, reply.elapsedTime / 1000);
    }
    done();
  });

  const hasToken = token === undefined ? () => true : bearerOf(token);

  if (port === undefined) {
    // A callback hook: every other request passes for a comparison, without a promise.
    app.addHook('onRequest', (request, reply, done) => {
      if (request.method !== 'GET' || !isMetricsPath(request.url) || !hasToken(request.headers.authorization)) return done();
      scrapes.add(request);
      exposition().then((body) => reply.type(registry.contentType).header('cache-control', 'no-store').send(body), done);
    });
    app.decorate('metrics', { listen: async () => null });
    return;
  }

  let server: Server | null = null;
  const answer = async (request: IncomingMessage) => {
    if (!isMetricsPath(request.url ?? '') || (request.method !== 'GET' && request.method !== 'HEAD')) return { status: 404, body: `Not found: the metrics are at GET ${METRICS_PATH}.\n` };
    if (!hasToken(request.headers.authorization)) return { status: 401, body: 'This needs Authorization: Bearer <METRICS_TOKEN>.\n' };
    return { status: 200, type: registry.contentType, body: await exposition() };
  };
  app.decorate('metrics', {
    async listen() {
      const listening = createServer((request, response) => {
        answer(request).then(
          ({ status, type = 'text/plain; charset=utf-8', body }) => {
            response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...(status === 401 && { 'www-authenticate': 'Bearer realm="guidepost metrics"' }) });
            response.end(request.method === 'HEAD' ? undefined : body);
          },
          (err: unknown) => {
            app.log.error({ err }, 'metrics: the exposition failed');
            response.writeHead(500).end();
          },
        );
      });
      // A scrape is a few kilobytes asked for every few seconds: nothing should take long.
      listening.requestTimeout = 10_000;
      listening.headersTimeout = 10_000;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(port, config.METRICS_HOST, () => {
          listening.off('error', reject);
          resolve();
        });
      });
      server = listening;
      const { address, family, port: bound } = listening.address() as AddressInfo;
      const url = `http://${family === 'IPv6' ? `[${address}]` : address}:${bound}${METRICS_PATH}`;
      app.log.info({ url }, 'metrics listening');
      return url;
    },
  });
  // With the app: Prometheus keeps its connection open between scrapes, so close that too.
  app.addHook('onClose', async () => {
    if (!server) return;
    const closing = server;
    server = null;
    await new Promise<void>((resolve) => {
      closing.close(() => resolve());
      closing.closeAllConnections();
    });
  });
}

export default fp(metricsPlugin, { name: 'metrics', dependencies: ['store'] });
