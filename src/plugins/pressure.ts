/**
 * Load shedding: @fastify/under-pressure samples the event-loop delay, the heap and the resident
 * memory once a second; past a threshold (each configurable, 0 turns it off) every request is
 * answered at once with 503 problem+json and `Retry-After` instead of queueing behind the work
 * the process already cannot keep up with. /healthz is exempt: the process is alive, only busy,
 * and a liveness probe that fails under load gets a busy process killed. /readyz is shed like
 * any route, which is how it reports the pressure to a load balancer.
 */
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { serviceUnavailable } from '../errors.js';

const PRESSURE_RETRY_AFTER = 5;
const MB = 2 ** 20;

async function pressurePlugin(app: FastifyInstance, { config }: { config: Config }): Promise<void> {
  let lastLogged = 0;
  await app.register(underPressure, {
    maxEventLoopDelay: config.MAX_EVENT_LOOP_DELAY_MS,
    maxHeapUsedBytes: config.MAX_HEAP_USED_MB * MB,
    maxRssBytes: config.MAX_RSS_MB * MB,
    pressureHandler: (request, _reply, type, value) => {
      if (request.routeOptions.url === '/healthz') return undefined;
      // One line a second at most: logging every shed request would add to the load.
      if (Date.now() - lastLogged > 1000) {
        lastLogged = Date.now();
        request.log.warn({ pressure: type, value }, 'shedding load');
      }
      // A rejected promise reaches the root error handler, which sends the problem.
      return Promise.reject(
        serviceUnavailable('overloaded', `The server is overloaded; retry in ${PRESSURE_RETRY_AFTER} seconds.`, PRESSURE_RETRY_AFTER),
      );
    },
  });
}

export default fp(pressurePlugin, { name: 'pressure' });
