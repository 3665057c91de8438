/**
 * One scenario of `npm run bench`, in a process of its own: autocannon runs after a scenario
 * that POSTs bodies left later keep-alive requests from the same process hanging (each
 * connection got one answer, then waited), so every scenario starts from a fresh client. Its
 * turns run one after another in that process (a POST scenario's included); each turn's rate is
 * reported, and bench/run.ts warns of a turn far below the others, which is what such a hang
 * would look like.
 *
 *   tsx bench/cannon.ts SCENARIO.json   → a CannonResult for each target, as JSON on stdout
 *
 * A scenario has one or two targets: the service, and the bare Fastify ceiling it is held to.
 * Two targets are measured in turns of a second each, not one after the other: the shared hosts
 * this runs on change speed by a third from one minute to the next (bare Fastify measured 37,000
 * then 24,000 requests a second five minutes apart), and a ratio is only fair between two
 * measurements taken under the same conditions.
 *
 * Two phases: first one request at a time on one connection for `serviceSeconds` per target
 * (its service time), then autocannon's `connections` for `duration` seconds per target (its
 * throughput under load). The first phase is timed here, with process.hrtime, from sending a
 * request to the end of its answer: autocannon's latencies are whole milliseconds (its
 * histogram's smallest step is 1 ms), and a request at one connection takes a tenth of one.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';

export interface CannonTarget {
  base: string;
  method: 'GET' | 'POST' | 'PUT';
  /** The path, with `{id}` replaced by a random title id for each request. */
  path: string;
  /** The body, with `{id}` and `{ids50}` (a JSON array of 50 random ids) replaced likewise. */
  body?: string;
  headers: Record<string, string>;
}

export interface CannonScenario {
  targets: CannonTarget[];
  connections: number;
  /** Seconds under load for each target. */
  duration: number;
  /** Seconds of one request at a time for each target, before the load; 0 for none. */
  serviceSeconds: number;
  /** Title ids to pick from. */
  ids: string[];
}

export interface CannonResult {
  /** Under load: requests a second over all its turns, each turn's, and the median turn's latencies in whole ms. */
  average: number;
  turns: number[];
  p50: number;
  p99: number;
  bad: number;
  /** One request at a time: how many were timed, their latencies in µs, and any answered other than 2xx. */
  single: { requests: number; p50Us: number; p99Us: number; bad: number } | null;
}

/** Requests of the first half second at one connection are not counted: the service's code for them may not be compiled yet. */
const WARM_UP_MS = 500;
/** A turn: seconds under load, and at one connection, before the other target's. */
const TURN_SECONDS = 1;
const SINGLE_TURN_MS = 250;

const scenario = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as CannonScenario;
const pick = () => scenario.ids[Math.floor(Math.random() * scenario.ids.length)]!;
const fill = (text: string) => text.replace(/\{ids50\}/g, () => JSON.stringify(Array.from({ length: 50 }, pick))).replace(/\{id\}/g, pick);

/** The q-quantile of sorted values (nearest rank). */
const quantile = (sorted: ArrayLike<number>, q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;
/** The middle value, or the mean of the two middle ones. */
function median(values: number[]): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Sends one request at a time to a target on one keep-alive connection; each timed from sending to the end of its answer. */
function oneAtATime(target: CannonTarget) {
  const url = new URL(target.base);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  let bad = 0;
  const send = () =>
    new Promise<{ ns: bigint; ok: boolean }>((resolve, reject) => {
      const body = target.body === undefined ? undefined : fill(target.body);
      const start = process.hrtime.bigint();
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: target.method,
          path: fill(target.path),
          headers: { ...target.headers, ...(body !== undefined && { 'content-length': Buffer.byteLength(body) }) },
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
  return {
    /** Sends for `ms`, counting what it timed unless `warmUp`. */
    async run(ms: number, warmUp = false) {
      for (const end = performance.now() + ms; performance.now() < end; ) {
        const { ns, ok } = await send();
        if (warmUp) continue;
        times.push(Number(ns) / 1000);
        if (!ok) bad++;
      }
    },
    result(): NonNullable<CannonResult['single']> {
      agent.destroy();
      const sorted = Float64Array.from(times).sort();
      return { requests: sorted.length, p50Us: Math.round(quantile(sorted, 0.5)), p99Us: Math.round(quantile(sorted, 0.99)), bad };
    },
  };
}

/** One turn under load: autocannon at `connections` for a second. */
function underLoad(target: CannonTarget) {
  // A request without placeholders is built once: rebuilding it for every request would spend
  // the client's share of the two cores.
  const request = /\{id\}|\{ids50\}/.test(target.path + (target.body ?? ''))
    ? {
        setupRequest: (req: autocannon.Request) => ({
          ...req,
          method: target.method,
          path: fill(target.path),
          headers: target.headers,
          ...(target.body !== undefined && { body: fill(target.body) }),
        }),
      }
    : { method: target.method, path: target.path, headers: target.headers, ...(target.body !== undefined && { body: target.body }) };
  return autocannon({ url: target.base, connections: scenario.connections, duration: TURN_SECONDS, requests: [request] });
}

const { targets } = scenario;
let single: ReturnType<typeof oneAtATime>[] | null = null;
if (scenario.serviceSeconds > 0) {
  single = targets.map(oneAtATime);
  for (const s of single) await s.run(WARM_UP_MS, true);
  for (let spent = 0; spent < scenario.serviceSeconds * 1000; spent += SINGLE_TURN_MS) {
    for (const s of single) await s.run(SINGLE_TURN_MS);
  }
}
const turns = targets.map(() => ({ requests: 0, seconds: 0, bad: 0, perTurn: [] as number[], p50: [] as number[], p99: [] as number[] }));
for (let spent = 0; spent < scenario.duration; spent += TURN_SECONDS) {
  for (const [i, target] of targets.entries()) {
    const result = await underLoad(target);
    const turn = turns[i]!;
    turn.requests += result.requests.total;
    turn.seconds += result.duration;
    turn.perTurn.push(Math.round(result.requests.total / result.duration));
    turn.bad += result.non2xx + result.errors + result.timeouts;
    turn.p50.push(result.latency.p50);
    turn.p99.push(result.latency.p99);
  }
}
const answer: CannonResult[] = turns.map((turn, i) => ({
  average: turn.requests / turn.seconds,
  turns: turn.perTurn,
  p50: median(turn.p50),
  p99: median(turn.p99),
  bad: turn.bad,
  single: single?.[i]!.result() ?? null,
}));
process.stdout.write(JSON.stringify(answer));
