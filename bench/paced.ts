/**
 * Requests at a fixed pace whatever the service does, for the abuse scenario of `npm run bench`:
 * its legitimate traffic, its `/healthz` probes and its attacker. Here request n leaves at
 * startAt + n / rate seconds, on as many connections as that takes. autocannon does not fit:
 * each of its connections waits for an answer before it sends again, so a service that stops
 * answering slows the attacker down and leaves unsent the requests that would have shown the
 * stall; its rate option sends each connection's allowance at the start of every second, all
 * connections together (160 requests at once gave the baseline a p99 of 200 ms); and its
 * correction for coordinated omission takes 1/rate seconds as milliseconds.
 *
 *   tsx bench/paced.ts SPEC.json   → a PacedResult as JSON on stdout
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

export interface PacedSpec {
  base: string;
  /** The loopback addresses the requests come from, in turn: the clients as the service counts them. */
  localAddresses: string[];
  /** Requests a second. */
  rate: number;
  duration: number;
  /** When the first request leaves, in ms since the epoch. */
  startAt: number;
  method: 'GET' | 'POST';
  /** One at random for each request, with `{id}` replaced by one of `ids` at random. */
  paths: string[];
  ids: string[];
  headers: Record<string, string>;
  /** A file holding the body, sent as it is. */
  bodyFile?: string;
  /** Seconds to wait for answers after the last request; requests still unanswered then are abandoned. */
  drain: number;
}

export interface PacedResult {
  sent: number;
  /** Per status: how many answers, and the smallest and largest body in bytes. */
  statuses: Record<string, { count: number; minBytes: number; maxBytes: number }>;
  /** Requests that failed without an answer (the connection reset or refused). */
  errors: number;
  /** Requests still unanswered once the drain was over. */
  unanswered: number;
  /** From sending to the end of the answer; an unanswered request counts with the time it waited. */
  latencyMs: { p50: number; p99: number; max: number };
}

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as PacedSpec;
const any = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)]!;
const body = spec.bodyFile ? readFileSync(spec.bodyFile) : undefined;
const url = new URL(spec.base);
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
const headers = { ...spec.headers, ...(body && { 'content-length': String(body.length) }) };

const result: PacedResult = { sent: 0, statuses: {}, errors: 0, unanswered: 0, latencyMs: { p50: 0, p99: 0, max: 0 } };
const latencies: number[] = [];
const pending = new Set<() => void>();

function send(n: number): void {
  const sentAt = performance.now();
  let bytes = 0;
  let done = false;
  const finish = (outcome: () => void) => {
    if (done) return;
    done = true;
    pending.delete(abandon);
    latencies.push(performance.now() - sentAt);
    outcome();
  };
  const abandon = () => finish(() => result.unanswered++);
  const req = request(
    {
      host: url.hostname,
      port: url.port,
      localAddress: spec.localAddresses[n % spec.localAddresses.length],
      agent,
      method: spec.method,
      path: any(spec.paths).replace('{id}', () => any(spec.ids)),
      headers,
    },
    (res) => {
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () =>
        finish(() => {
          const status = (result.statuses[res.statusCode ?? 0] ??= { count: 0, minBytes: Infinity, maxBytes: 0 });
          status.count++;
          status.minBytes = Math.min(status.minBytes, bytes);
          status.maxBytes = Math.max(status.maxBytes, bytes);
        }),
      );
    },
  );
  req.on('error', () => finish(() => result.errors++));
  pending.add(abandon);
  result.sent++;
  req.end(body);
}

const total = Math.round(spec.rate * spec.duration);
for (let n = 0; n < total; n++) {
  const due = spec.startAt + (n * 1000) / spec.rate;
  if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
  send(n);
}
const drainUntil = Date.now() + spec.drain * 1000;
while (pending.size > 0 && Date.now() < drainUntil) await new Promise((resolve) => setTimeout(resolve, 100));
for (const abandon of [...pending]) abandon();
agent.destroy();

latencies.sort((a, b) => a - b);
const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(q * latencies.length) - 1))] ?? 0);
result.latencyMs = { p50: at(0.5), p99: at(0.99), max: at(1) };
process.stdout.write(JSON.stringify(result));
