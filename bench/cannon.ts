/**
 * One scenario of `npm run bench`, in a process of its own: autocannon runs after a scenario
 * that POSTs bodies left later keep-alive requests from the same process hanging (each
 * connection got one answer, then waited), so every scenario starts from a fresh client.
 *
 *   tsx bench/cannon.ts SCENARIO.json   → a CannonResult as JSON on stdout
 *
 * Two phases: first one request at a time on one connection for `serviceSeconds` (its service
 * time), then autocannon's `connections` for `duration` seconds (its throughput under load).
 * The first phase is timed here, with process.hrtime, from sending a request to the end of its
 * answer: autocannon's latencies are whole milliseconds (its histogram's smallest step is 1 ms),
 * and a request at one connection takes a tenth of one.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';

export interface CannonScenario {
  base: string;
  connections: number;
  duration: number;
  /** Seconds of one request at a time before the load; 0 for none. */
  serviceSeconds: number;
  method: 'GET' | 'POST' | 'PUT';
  /** The path, with `{id}` replaced by a random title id for each request. */
  path: string;
  /** The body, with `{id}` and `{ids50}` (a JSON array of 50 random ids) replaced likewise. */
  body?: string;
  headers: Record<string, string>;
  /** Title ids to pick from. */
  ids: string[];
}

export interface CannonResult {
  /** Under load: requests a second, and autocannon's latencies in whole ms. */
  average: number;
  p50: number;
  p99: number;
  bad: number;
  /** One request at a time: how many were timed, their latencies in µs, and any answered other than 2xx. */
  single: { requests: number; p50Us: number; p99Us: number; bad: number } | null;
}

/** Requests of the first half second at one connection are not counted: the service's code for them may not be compiled yet. */
const WARM_UP_MS = 500;

const scenario = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as CannonScenario;
const pick = () => scenario.ids[Math.floor(Math.random() * scenario.ids.length)]!;
const fill = (text: string) => text.replace(/\{ids50\}/g, () => JSON.stringify(Array.from({ length: 50 }, pick))).replace(/\{id\}/g, pick);

/** The q-quantile of sorted values (nearest rank). */
const quantile = (sorted: Float64Array, q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;

/** One request at a time on one keep-alive connection; each timed from sending to the end of its answer. */
async function oneAtATime(): Promise<CannonResult['single']> {
  const url = new URL(scenario.base);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const send = () =>
    new Promise<{ ns: bigint; ok: boolean }>((resolve, reject) => {
      const body = scenario.body === undefined ? undefined : fill(scenario.body);
      const start = process.hrtime.bigint();
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: scenario.method,
          path: fill(scenario.path),
          headers: { ...scenario.headers, ...(body !== undefined && { 'content-length': Buffer.byteLength(body) }) },
        },
        (res) => {
          res.on('data', () => {});
          res.on('end', () => resolve({ ns: process.hrtime.bigint() - start, ok: res.statusCode! < 300 }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const times: number[] = [];
  let bad = 0;
  const began = performance.now();
  const end = began + WARM_UP_MS + scenario.serviceSeconds * 1000;
  while (performance.now() < end) {
    const { ns, ok } = await send();
    if (performance.now() - began < WARM_UP_MS) continue;
    times.push(Number(ns) / 1000);
    if (!ok) bad++;
  }
  agent.destroy();
  const sorted = Float64Array.from(times).sort();
  return { requests: sorted.length, p50Us: Math.round(quantile(sorted, 0.5)), p99Us: Math.round(quantile(sorted, 0.99)), bad };
}

const single = scenario.serviceSeconds > 0 ? await oneAtATime() : null;
const result = await autocannon({
  url: scenario.base,
  connections: scenario.connections,
  duration: scenario.duration,
  requests: [
    {
      setupRequest: (request) => ({
        ...request,
        method: scenario.method,
        path: fill(scenario.path),
        headers: scenario.headers,
        ...(scenario.body !== undefined && { body: fill(scenario.body) }),
      }),
    },
  ],
});
const answer: CannonResult = { average: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, bad: result.non2xx + result.errors + result.timeouts, single };
process.stdout.write(JSON.stringify(answer));
