/**
 * One scenario of `npm run bench`, in a process of its own: autocannon runs after a scenario
 * that POSTs bodies left later keep-alive requests from the same process hanging (each
 * connection got one answer, then waited), so every scenario starts from a fresh client.
 *
 *   tsx bench/cannon.ts SCENARIO.json   → the autocannon result as JSON on stdout
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface CannonScenario {
  base: string;
  connections: number;
  duration: number;
  method: 'GET' | 'POST' | 'PUT';
  /** The path, with `{id}` replaced by a random title id for each request. */
  path: string;
  /** The body, with `{id}` and `{ids50}` (a JSON array of 50 random ids) replaced likewise. */
  body?: string;
  headers: Record<string, string>;
  /** Title ids to pick from. */
  ids: string[];
}

const scenario = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as CannonScenario;
const pick = () => scenario.ids[Math.floor(Math.random() * scenario.ids.length)]!;
const fill = (text: string) => text.replace(/\{ids50\}/g, () => JSON.stringify(Array.from({ length: 50 }, pick))).replace(/\{id\}/g, pick);

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
process.stdout.write(JSON.stringify({ average: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, bad: result.non2xx + result.errors + result.timeouts }));
