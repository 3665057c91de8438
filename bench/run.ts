/**
 * `npm run bench`: builds a synthetic catalogue, imports it with the CLI, seeds a community,
 * starts the built service in its own process and drives it with autocannon over loopback.
 *
 *   npm run bench -- --titles 1000000 --duration 10 --connections 32
 *   npm run bench -- --database postgres://postgres@127.0.0.1:5432/test
 *
 * On SQLite (the default) the database is a new file; on PostgreSQL it is a new schema of the
 * database the URL names, dropped at the end.
 *
 * Prints a table (requests/s, p50, p99, throughput against the baseline measured in the same
 * run) and writes it, with import rate, start-up time and memory, to bench/results/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { CannonScenario } from './cannon.js';
import { once } from 'node:events';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { syntheticLines, random } from './generate.js';
import pg from 'pg';
import { isPostgresUrl, openStore } from '../src/store/index.js';
import { signUp } from '../src/store/issue-token.js';

const { values: args } = parseArgs({
  options: {
    titles: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    only: { type: 'string' },
    database: { type: 'string' },
  },
});
const TITLES = Number(args.titles);
const SEED = Number(args.seed);
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const ROOT = new URL('..', import.meta.url).pathname;
const work = join(tmpdir(), `guidepost-bench-${process.pid}`);
mkdirSync(work, { recursive: true });
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const database = args.database ?? join(work, 'bench.db');
const postgres = isPostgresUrl(database);
const schema = postgres ? `bench_${process.pid}` : 'public';
/** What every process of the run needs to find the database. */
const databaseEnv = { DATABASE_URL: database, DATABASE_SCHEMA: schema };

function log(message: string) {
  process.stderr.write(`${message}\n`);
}

async function run(command: string, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<void> {
  const child = spawn(command, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`${command} ${argv.join(' ')} exited with ${code}`);
}

/** Peak and current resident memory of a process, in MB, from /proc. */
function memoryOf(pid: number): { peakMb: number; rssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(/(\d+) kB/.exec(status.split('\n').find((l) => l.startsWith(field)) ?? '')?.[1] ?? 0);
  return { peakMb: Math.round(kb('VmHWM:') / 1024), rssMb: Math.round(kb('VmRSS:') / 1024) };
}

// ---------------------------------------------------------------- catalogue and import

const catalogue = join(ROOT, 'bench', '.cache', `catalogue-${SEED}-${TITLES}.jsonl`);
if (!existsSync(catalogue)) {
  mkdirSync(join(ROOT, 'bench', '.cache'), { recursive: true });
  log(`generating ${TITLES} titles…`);
  const out = createWriteStream(catalogue);
  for (const line of syntheticLines(SEED, TITLES)) if (!out.write(`${line}\n`)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

log('building…');
await run('npm', ['run', 'build', '--silent']);
log(`importing ${TITLES} titles…`);
const importStart = performance.now();
await run(process.execPath, ['dist/cli/main.js', 'import', catalogue], databaseEnv);
const importSeconds = (performance.now() - importStart) / 1000;

// ---------------------------------------------------------------- the community and a family

log('seeding households, reviews and children…');
const rnd = random(SEED);
// Setup, not measured: no fsync per review.
const store = await openStore(database, { synchronous: 'normal', schema });
const { token } = await signUp(store, 'Bench family');
const households = await Promise.all(Array.from({ length: 200 }, (_, i) => signUp(store, `Reviewers ${i}`)));
const ids: string[] = [];
for await (const title of store.titles.exportAll(5000)) ids.push(title.id);
// A benchmark of fewer titles than it says would be worse than none.
if (ids.length !== TITLES) throw new Error(`the import stored ${ids.length} titles of ${TITLES}`);
let reviews = 0;
// One title in fifty has 3–15 parent reviews around its own age.
for (const id of ids) {
  if (rnd() >= 0.02) continue;
  const count = 3 + Math.floor(rnd() * 13);
  for (let i = 0; i < count; i++) {
    await store.reviews.create({
      titleId: id,
      householdId: households[(reviews + i) % households.length]!.household.id,
      childId: null,
      by: 'parent',
      authorAge: null,
      ageRating: 2 + Math.floor(rnd() * 17),
      stars: 1 + Math.floor(rnd() * 5),
      headline: 'From the benchmark',
      body: 'A synthetic parent review.',
    });
  }
  reviews += count;
}
await store.close();

// ---------------------------------------------------------------- the service

const port = 20000 + (process.pid % 20000);
const base = `http://127.0.0.1:${port}`;
const startAt = performance.now();
const server: ChildProcess = spawn(process.execPath, ['dist/server.js'], {
  cwd: ROOT,
  env: {
    ...process.env,
    ...databaseEnv,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    GUIDEPOST_DEMO: '0',
    // The benchmark measures the service, not its abuse limits.
    RATE_LIMIT_ANONYMOUS: '0',
    RATE_LIMIT_TOKEN: '0',
    VERDICT_QUOTA: '0',
    MAX_EVENT_LOOP_DELAY_MS: '0',
    MAX_HEAP_USED_MB: '0',
    MAX_RSS_MB: '0',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
for (;;) {
  const ready = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
  if (ready) break;
  if (server.exitCode !== null) throw new Error('the service exited during start-up');
  await new Promise((r) => setTimeout(r, 50));
}
const startupSeconds = (performance.now() - startAt) / 1000;

const auth = { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' };
async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, { method, headers: auth, ...(body !== undefined && { body: JSON.stringify(body) }) });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
const maya = await api<{ id: string }>('POST', '/v1/children', { nickname: 'Maya', birth: `${new Date().getFullYear() - 12}-01` });
// A strict profile: little passes, so a page of her catalogue may walk most of the index.
const strict = await api<{ id: string }>('POST', '/v1/children', {
  nickname: 'Sam',
  birth: `${new Date().getFullYear() - 4}-01`,
  ageRule: 'strictest',
  limits: { language: { max: 0 }, sex: { max: 0 }, drinking: { max: 0 }, violence: { max: 1 }, messages: { min: 4 }, roleModels: { min: 4 } },
});
const indexStart = performance.now();
await api('GET', `/v1/children/${strict.id}/titles?limit=20`);
const indexSeconds = (performance.now() - indexStart) / 1000;

/** A cursor deep into Maya's catalogue: the page after `pages` pages of 20. */
async function deepCursor(child: string, pages: number): Promise<string> {
  let cursor = '';
  for (let i = 0; i < pages; i++) {
    const page = await api<{ nextCursor: string | null }>('GET', `/v1/children/${child}/titles?limit=20${cursor ? `&cursor=${cursor}` : ''}`);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return cursor;
}
const deep = await deepCursor(maya.id, 200);
const strictDeep = await deepCursor(strict.id, 3);

interface Scenario {
  name: string;
  method?: CannonScenario['method'];
  /** `{id}` is a random title for each request (see bench/cannon.ts). */
  path: string;
  body?: string;
  authorized?: boolean;
}
const scenarios: Scenario[] = [
  { name: 'baseline: GET /healthz', path: '/healthz' },
  { name: 'title detail', path: '/v1/titles/{id}' },
  { name: 'age verdict', path: '/v1/titles/{id}/verdict?age=12' },
  { name: 'child verdict', path: `/v1/children/${maya.id}/verdicts/{id}`, authorized: true },
  { name: 'batch of 50 verdicts', method: 'POST', path: `/v1/children/${maya.id}/verdicts`, body: '{"titles":{ids50}}', authorized: true },
  { name: 'child catalogue, first page', path: `/v1/children/${maya.id}/titles?limit=20`, authorized: true },
  { name: 'child catalogue, page 200', path: `/v1/children/${maya.id}/titles?limit=20&cursor=${deep}`, authorized: true },
  { name: 'strict child, first page', path: `/v1/children/${strict.id}/titles?limit=20`, authorized: true },
  { name: 'strict child, page 4', path: `/v1/children/${strict.id}/titles?limit=20${strictDeep ? `&cursor=${strictDeep}` : ''}`, authorized: true },
  { name: 'list with category filters', path: '/v1/titles?maxViolence=2&minMessages=3&kind=movie,tv&limit=20' },
  { name: 'write: set an override', method: 'PUT', path: `/v1/children/${maya.id}/overrides/{id}`, body: '{"decision":"allow","note":"bench"}', authorized: true },
];

/** Runs one scenario in its own client process (see bench/cannon.ts for why). */
async function cannon(scenario: Scenario): Promise<{ average: number; p50: number; p99: number; bad: number }> {
  const spec: CannonScenario = {
    base,
    connections: CONNECTIONS,
    duration: DURATION,
    method: scenario.method ?? 'GET',
    path: scenario.path,
    ...(scenario.body !== undefined && { body: scenario.body }),
    headers: scenario.authorized ? auth : {},
    ids,
  };
  const file = join(work, 'scenario.json');
  writeFileSync(file, JSON.stringify(spec));
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'cannon.ts'), file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk));
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`bench/cannon.ts exited with ${code}`);
  return JSON.parse(out) as { average: number; p50: number; p99: number; bad: number };
}

interface Row {
  scenario: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  ratio: number;
  errors: number;
}
const rows: Row[] = [];
let baseline = 0;
for (const scenario of scenarios.filter((s) => !args.only || s.name.includes(args.only))) {
  const result = await cannon(scenario);
  const rps = result.average;
  if (rows.length === 0) baseline = rps;
  const bad = result.bad;
  rows.push({
    scenario: scenario.name,
    requestsPerSecond: Math.round(rps),
    p50Ms: result.p50,
    p99Ms: result.p99,
    ratio: Math.round((rps / baseline) * 100) / 100,
    errors: bad,
  });
  log(`${scenario.name}: ${Math.round(rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms${bad ? `, ${bad} errors` : ''}`);
}
const memory = memoryOf(server.pid!);
server.kill('SIGTERM');
await once(server, 'exit');

// ---------------------------------------------------------------- report

const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
  settings: { titles: TITLES, seed: SEED, durationSeconds: DURATION, connections: CONNECTIONS, reviews, database: postgres ? 'postgres' : 'sqlite' },
  import: { seconds: Math.round(importSeconds * 10) / 10, titlesPerSecond: Math.round(TITLES / importSeconds) },
  startupSeconds: Math.round(startupSeconds * 100) / 100,
  firstStrictPageSeconds: Math.round(indexSeconds * 100) / 100,
  memory,
  scenarios: rows,
};
const lines = [
  `Guidepost benchmark on ${postgres ? 'PostgreSQL' : 'SQLite'}: ${TITLES.toLocaleString('en')} titles, ${reviews.toLocaleString('en')} parent reviews, ${CONNECTIONS} connections, ${DURATION} s per scenario`,
  '',
  '| Scenario | req/s | p50 ms | p99 ms | vs baseline |',
  '|---|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.scenario} | ${r.requestsPerSecond.toLocaleString('en')} | ${r.p50Ms} | ${r.p99Ms} | ${r.ratio.toFixed(2)}${r.errors ? ` (${r.errors} errors)` : ''} |`),
  '',
  `Import: ${report.import.titlesPerSecond.toLocaleString('en')} titles/s (${report.import.seconds} s). Start-up (builds the title index): ${report.startupSeconds} s; a new policy's first page (decides every title once): ${report.firstStrictPageSeconds} s. Memory: ${memory.peakMb} MB peak resident, ${memory.rssMb} MB at the end.`,
];
process.stdout.write(`${lines.join('\n')}\n`);
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
const file = join(ROOT, 'bench', 'results', `${report.date.slice(0, 10)}-${TITLES}${postgres ? '-postgres' : ''}.json`);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
log(`written to ${file}`);
if (postgres) {
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  await client.query(`drop schema "${schema}" cascade`);
  await client.end();
}
