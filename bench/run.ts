/**
 * `npm run bench`: builds a synthetic catalogue, imports it with the CLI, seeds a community,
 * starts the built service in its own process and drives it with autocannon over loopback.
 *
 *   npm run bench -- --titles 1000000 --duration 10 --connections 32
 *   npm run bench -- --database postgres://postgres@127.0.0.1:5432/test
 *   npm run bench:abuse -- --label after   # --only abuse --titles 10000 --duration 5
 *   npm run bench -- --only "title detail|verdict" --against ../main-before
 *
 * `--against DIR` builds another checkout (the code before a change, say) and runs it beside this
 * one on the same database, measured in the same turns as this build and its ceiling: a change's
 * effect as a ratio between two builds under the same conditions, which two runs minutes apart
 * on these hosts cannot give. Both builds must read the same database schema.
 *
 * On SQLite (the default) the database is a new file; on PostgreSQL it is a new schema of the
 * database the URL names, dropped at the end.
 *
 * Beside the service, a ceiling server (bench/ceiling.ts) answers the same requests with bare
 * Fastify and the same database, and each scenario is measured as a share of its ceiling's
 * throughput, measured with it in turns of a second (bench/cannon.ts): `/healthz` against a
 * constant verdict-sized body, the reads against one prepared read of a title, the batch against
 * 50 titles in one statement. Each scenario and ceiling runs first one request at a time
 * (`--single` seconds; its service time, p50 and p99 in µs), then at `--connections` for
 * `--duration` seconds. Prints a table and writes it, with
 * import rate, start-up time and memory, to bench/results/.
 *
 *   npm run bench -- --titles 10000 --duration 3 --profile --only "title detail|age verdict"
 *
 * `--profile` takes a CPU profile of the service for each scenario (bench/profile-hook.mjs) and
 * summarises where its time went (bench/profile-summary.ts) into bench/results/profile-DATE-TITLES/:
 * the .cpuprofile files and summary.md. The profiler slows the service, so a profiling run measures
 * no ceilings, no single-connection times and writes no results file.
 *
 * The abuse scenario (bench/abuse.ts) runs only when asked for with `--only abuse`: it needs a
 * service of its own, with production's limits and load shedding, and would double the run
 * (about two minutes at 5 s a phase, most of it the service recovering between attacks).
 */
import { createHash } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { abuseTable, ATTACKS, phaseOf, type AbusePhase } from './abuse.js';
import type { CannonResult, CannonScenario, CannonTarget } from './cannon.js';
import { summarise, summaryMarkdown, type CpuProfile } from './profile-summary.js';
import type { PacedResult, PacedSpec } from './paced.js';
import { once } from 'node:events';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { syntheticLines, random } from './generate.js';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { isPostgresUrl, openStore } from '../src/store/index.js';
import { signUp } from '../src/services/households.js';

const { values: args } = parseArgs({
  options: {
    titles: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    only: { type: 'string' },
    database: { type: 'string' },
    /** Added to the results file's name, e.g. "before" and "after" a fix. */
    label: { type: 'string' },
    /** Seconds of one request at a time for each scenario and ceiling, before the load; 0 for none. */
    single: { type: 'string', default: '3' },
    profile: { type: 'boolean', default: false },
    /** Another checkout of Guidepost (a folder): its build runs beside this one, in the same turns. */
    against: { type: 'string' },
  },
});
const TITLES = Number(args.titles);
const SEED = Number(args.seed);
const DURATION = Number(args.duration);
const CONNECTIONS = Number(args.connections);
const PROFILE = args.profile;
const SINGLE = PROFILE ? 0 : Number(args.single);
const ROOT = new URL('..', import.meta.url).pathname;
// A profiled run measures one build alone: the profiler's cost would be in the ratio.
const AGAINST = args.against === undefined || PROFILE ? null : resolve(args.against);
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

// Named by what made it too: a changed generator makes a new catalogue, never reuses the old one.
const generator = createHash('sha256').update(readFileSync(join(ROOT, 'bench', 'generate.ts'))).digest('hex').slice(0, 8);
const catalogue = join(ROOT, 'bench', '.cache', `catalogue-${SEED}-${TITLES}-${generator}.jsonl`);
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
if (AGAINST) {
  log(`building ${AGAINST}…`);
  await run('npm', ['run', 'build', '--silent', '--prefix', AGAINST]);
}
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
// The abuse scenario's attacker with a token: signing up is open to anyone.
const { token: attackerToken } = await signUp(store, 'Abuser');
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
const againstPort = port + 2;
const againstBase = `http://127.0.0.1:${againstPort}`;

/**
 * Starts the built service with exactly `env`; its stdout goes to `onLine` line by line, or here.
 * `profiled`: with bench/profile-hook.mjs, which takes its commands on the service's stdin.
 */
async function startService(
  env: NodeJS.ProcessEnv,
  { onLine, profiled = false, root = ROOT }: { onLine?: (line: string) => void; profiled?: boolean; root?: string } = {},
): Promise<{ server: ChildProcess; seconds: number }> {
  const startAt = performance.now();
  const argv = [...(profiled ? ['--import', './bench/profile-hook.mjs'] : []), 'dist/server.js'];
  const server = spawn(process.execPath, argv, { cwd: root, env, stdio: [profiled ? 'pipe' : 'ignore', onLine ? 'pipe' : 'inherit', 'inherit'] });
  if (onLine) {
    let rest = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop()!;
      lines.forEach(onLine);
    });
  }
  for (;;) {
    const ready = await fetch(`http://127.0.0.1:${env.PORT}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (server.exitCode !== null) throw new Error('the service exited during start-up');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { server, seconds: (performance.now() - startAt) / 1000 };
}

/** The service as every scenario measures it; `--against`'s build is started with the same. */
const serviceEnv = {
  ...process.env,
  ...databaseEnv,
  LOG_LEVEL: 'warn',
  GUIDEPOST_DEMO: '0',
  // The benchmark measures the service, not its abuse limits.
  RATE_LIMIT_ANONYMOUS: '0',
  RATE_LIMIT_TOKEN: '0',
  VERDICT_QUOTA: '0',
  MAX_EVENT_LOOP_DELAY_MS: '0',
  MAX_HEAP_USED_MB: '0',
  MAX_RSS_MB: '0',
};
const started = await startService({ ...serviceEnv, PORT: String(port) }, { profiled: PROFILE });
let server = started.server;
const startupSeconds = started.seconds;

const auth = { authorization: `Bearer ${token.token}`, 'content-type': 'application/json' };
async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, { method, headers: auth, ...(body !== undefined && { body: JSON.stringify(body) }) });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
// Maya's policy takes every rule a verdict has: an adult beside her admits her, and two descriptors block.
const maya = await api<{ id: string }>('POST', '/v1/children', {
  nickname: 'Maya',
  birth: `${new Date().getFullYear() - 12}-01`,
  withAdult: 'allow',
  blockDescriptors: ['PEGI:gambling', 'ESRB:blood'],
});
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

/** Which ceiling a scenario is held to: (a) a constant body, (b) one title read, (c) 50 in one statement. */
type CeilingKey = 'a' | 'b' | 'c';
interface Scenario {
  name: string;
  method?: CannonTarget['method'];
  /** `{id}` is a random title for each request (see bench/cannon.ts). */
  path: string;
  body?: string;
  authorized?: boolean;
  /** Null for none: a write would need a bare write of its own, which is not built. */
  ceiling: CeilingKey | null;
  /** Titles a request asks for, when more than one: its throughput is also given in titles a second. */
  titles?: number;
}
// The lists read a page of 20 titles in one statement after walking the title index: held to
// (b), the cheapest request that reads the database, their ratio is the share of a single read's
// throughput that a page keeps. A page of its own in the ceiling would need the index, which is
// Guidepost's code.
const scenarios: Scenario[] = [
  { name: 'baseline: GET /healthz', path: '/healthz', ceiling: 'a' },
  { name: 'title detail', path: '/v1/titles/{id}', ceiling: 'b' },
  { name: 'age verdict', path: '/v1/titles/{id}/verdict?age=12', ceiling: 'b' },
  { name: 'child verdict', path: `/v1/children/${maya.id}/verdicts/{id}`, authorized: true, ceiling: 'b' },
  { name: 'batch of 50 verdicts', method: 'POST', path: `/v1/children/${maya.id}/verdicts`, body: '{"titles":{ids50}}', authorized: true, ceiling: 'c', titles: 50 },
  { name: 'child catalogue, first page', path: `/v1/children/${maya.id}/titles?limit=20`, authorized: true, ceiling: 'b' },
  { name: 'child catalogue, page 200', path: `/v1/children/${maya.id}/titles?limit=20&cursor=${deep}`, authorized: true, ceiling: 'b' },
  { name: 'strict child, first page', path: `/v1/children/${strict.id}/titles?limit=20`, authorized: true, ceiling: 'b' },
  { name: 'strict child, page 4', path: `/v1/children/${strict.id}/titles?limit=20${strictDeep ? `&cursor=${strictDeep}` : ''}`, authorized: true, ceiling: 'b' },
  { name: 'list with category filters', path: '/v1/titles?maxViolence=2&minMessages=3&kind=movie,tv&limit=20', ceiling: 'b' },
  { name: 'write: set an override', method: 'PUT', path: `/v1/children/${maya.id}/overrides/{id}`, body: '{"decision":"allow","note":"bench"}', authorized: true, ceiling: null },
];
// --only "title detail|verdict": the scenarios whose names hold any of the parts (names hold commas).
const only = args.only?.split('|').map((part) => part.trim()).filter(Boolean);
const chosen = scenarios.filter((s) => !only || only.some((part) => s.name.includes(part)));

let specs = 0;
/** Runs a bench script (cannon.ts, paced.ts) in a process of its own on a spec; it answers JSON on stdout. */
async function runChild<T>(script: string, spec: CannonScenario | PacedSpec): Promise<T> {
  const file = join(work, `spec-${++specs}.json`);
  writeFileSync(file, JSON.stringify(spec));
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', script), file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk));
  const [code] = (await once(child, 'exit')) as [number];
  if (code !== 0) throw new Error(`bench/${script} exited with ${code}`);
  return JSON.parse(out) as T;
}

/** What a scenario or ceiling measured: under load, and one request at a time. */
interface Measured {
  requestsPerSecond: number;
  /** For a request of many titles: requests a second times titles a request. */
  titlesPerSecond?: number;
  p50Ms: number;
  p99Ms: number;
  /** Service time: latencies of one request at a time on one connection, in µs (null when not measured). */
  oneConnection: { p50Us: number; p99Us: number } | null;
  errors: number;
}
const ceilingPort = port + 1;
const ceilingBase = `http://127.0.0.1:${ceilingPort}`;
type Measurable = Omit<Scenario, 'name' | 'ceiling'>;
/**
 * Runs a scenario against the service, and its ceiling with it when given, in turns, in a client
 * process of its own (see bench/cannon.ts for why both): what each measured, the service's first.
 */
async function measure(scenario: Measurable, ceiling?: Measurable, against = false): Promise<Measured[]> {
  const target = (on: string, m: Measurable): CannonTarget => ({
    base: on,
    method: m.method ?? 'GET',
    path: m.path,
    ...(m.body !== undefined && { body: m.body }),
    headers: { ...(m.body !== undefined && { 'content-type': 'application/json' }), ...(m.authorized && auth) },
  });
  const results = await runChild<CannonResult[]>('cannon.ts', {
    targets: [target(base, scenario), ...(ceiling ? [target(ceilingBase, ceiling)] : []), ...(against ? [target(againstBase, scenario)] : [])],
    connections: CONNECTIONS,
    duration: DURATION,
    serviceSeconds: SINGLE,
    ids,
  });
  return results.map((result, i) => {
    const titles = (i === 1 && ceiling ? ceiling : scenario).titles;
    // A turn at under half the median: a stalled client or a stalled machine, either way a figure to distrust.
    const middle = [...result.turns].sort((a, b) => a - b)[result.turns.length >> 1] ?? 0;
    const slow = result.turns.filter((n) => n < middle / 2);
    const which = i === 0 ? 'the scenario' : i === 1 && ceiling ? 'its ceiling' : `${AGAINST}'s build`;
    if (slow.length > 0) log(`warning: ${which} at ${scenario.path} had turns of ${slow.join(', ')} req/s against a median of ${middle}`);
    return {
      requestsPerSecond: Math.round(result.average),
      ...(titles !== undefined && { titlesPerSecond: Math.round(result.average * titles) }),
      p50Ms: result.p50,
      p99Ms: result.p99,
      oneConnection: result.single && { p50Us: result.single.p50Us, p99Us: result.single.p99Us },
      errors: result.bad + (result.single?.bad ?? 0),
    };
  });
}
const describe = (m: Measured) =>
  `${m.requestsPerSecond} req/s${m.titlesPerSecond ? ` (${m.titlesPerSecond} titles/s)` : ''}, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms` +
  `${m.oneConnection ? `; one at a time p50 ${m.oneConnection.p50Us} µs, p99 ${m.oneConnection.p99Us} µs` : ''}${m.errors ? `, ${m.errors} errors` : ''}`;

// ---------------------------------------------------------------- the ceilings

/** A verdict's size: the median of 21 of Maya's verdicts, as the service writes them. */
const verdicts = await Promise.all(ids.slice(0, 21).map((id) => fetch(`${base}/v1/children/${maya.id}/verdicts/${id}`, { headers: auth }).then((r) => r.text())));
const verdict = verdicts.sort((a, b) => a.length - b.length)[10]!;
const verdictFile = join(work, 'verdict.json');
writeFileSync(verdictFile, verdict);

interface CeilingRow extends Measured {
  key: CeilingKey;
  ceiling: string;
}
const ceilingRows: CeilingRow[] = [];
// Ratios against a profiled service would be the profiler's: a profiling run measures no ceilings.
const ceilingsWanted = PROFILE ? [] : (['a', 'b', 'c'] as const).filter((key) => chosen.some((s) => s.ceiling === key));
type Ceiling = Omit<Scenario, 'ceiling'> & { key: CeilingKey };
const ceilings = ([
  { key: 'a', name: `(a) constant JSON body, a verdict of ${Buffer.byteLength(verdict)} bytes`, path: '/constant' },
  { key: 'b', name: '(b) one prepared read of a title', path: '/titles/{id}' },
  { key: 'c', name: '(c) 50 titles in one statement', method: 'POST', path: '/titles', body: '{"titles":{ids50}}', titles: 50 },
] satisfies Ceiling[] as Ceiling[]).filter((c) => ceilingsWanted.includes(c.key));
let ceilingServer: ChildProcess | null = null;
if (ceilings.length > 0) {
  const defaults = loadConfig({});
  ceilingServer = spawn(
    process.execPath,
    [
      '--import', 'tsx', join(ROOT, 'bench', 'ceiling.ts'),
      '--port', String(ceilingPort),
      '--database', database,
      '--schema', schema,
      '--body', verdictFile,
      '--cache-mb', process.env.SQLITE_CACHE_MB ?? String(defaults.SQLITE_CACHE_MB),
      '--pool', process.env.DATABASE_POOL_SIZE ?? String(defaults.DATABASE_POOL_SIZE),
    ],
    { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  while (!(await fetch(`${ceilingBase}/constant`).then((r) => r.ok, () => false))) {
    if (ceilingServer.exitCode !== null) throw new Error('the ceiling server exited during start-up');
    await new Promise((r) => setTimeout(r, 50));
  }
}
/** Keeps a ceiling's best measurement for the table of ceilings. */
function noteCeiling(ceiling: Ceiling, measured: Measured): void {
  log(`ceiling ${ceiling.name}: ${describe(measured)}`);
  const row = { key: ceiling.key, ceiling: ceiling.name, ...measured };
  const earlier = ceilingRows.findIndex((c) => c.key === ceiling.key);
  if (earlier === -1) ceilingRows.push(row);
  else if (measured.requestsPerSecond > ceilingRows[earlier]!.requestsPerSecond) ceilingRows[earlier] = row;
}

// ---------------------------------------------------------------- the scenarios

const profileDir = join(ROOT, 'bench', 'results', `profile-${new Date().toISOString().slice(0, 10)}-${TITLES}${postgres ? '-postgres' : ''}${args.label ? `-${args.label}` : ''}`);
if (PROFILE) mkdirSync(profileDir, { recursive: true });
const profiles: { name: string; file: string }[] = [];
/** The profile's file name for a scenario: "child catalogue, page 200" is child-catalogue-page-200.cpuprofile. */
const profileName = (scenario: string) => `${scenario.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}.cpuprofile`;
/** Tells the service's profile hook to start or stop; a stop waits for its file. */
async function profiler(command: 'start' | 'stop', file?: string): Promise<void> {
  server.stdin!.write(`${command}${file ? ` ${file}` : ''}\n`);
  for (const until = Date.now() + 60_000; file && !existsSync(file); ) {
    if (Date.now() > until) throw new Error(`no profile written to ${file}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Row extends Measured {
  scenario: string;
  /** The ceiling's key, its requests a second measured in the same turns, and the share of it: all null for none. */
  ceiling: CeilingKey | null;
  ceilingRequestsPerSecond: number | null;
  ratio: number | null;
  /** With --against: the other build's requests a second in the same turns, and this build's share of it. */
  against?: { requestsPerSecond: number; oneConnection: Measured['oneConnection']; ratio: number } | null;
}

// The other build on the same database, once everything the scenarios read is in it. This
// build is started again beside it, so both start alike (from the saved index) and neither has
// served the set-up's requests: a build that had ran half as fast again on /healthz than the
// same code started later. A write scenario is measured without the other build: both would
// write, each slowing the other's turns. (The memory reported is then the restarted process's.)
let againstServer: ChildProcess | null = null;
if (AGAINST) {
  server.kill('SIGTERM');
  await once(server, 'exit');
  server = (await startService({ ...serviceEnv, PORT: String(port) })).server;
  againstServer = (await startService({ ...serviceEnv, PORT: String(againstPort) }, { root: AGAINST })).server;
}
const ratioOf = (a: number, b: number) => Math.round((a / b) * 100) / 100;

const rows: Row[] = [];
for (const scenario of chosen) {
  const ceiling = ceilings.find((c) => c.key === scenario.ceiling);
  const file = join(profileDir, profileName(scenario.name));
  if (PROFILE) await profiler('start');
  const withAgainst = againstServer !== null && scenario.ceiling !== null;
  const results = await measure(scenario, ceiling, withAgainst);
  const [measured, paired] = [results[0]!, ceiling ? results[1] : undefined];
  const other = withAgainst ? results.at(-1)! : null;
  if (PROFILE) {
    await profiler('stop', file);
    profiles.push({ name: scenario.name, file });
  }
  if (ceiling && paired) noteCeiling(ceiling, paired);
  const ratio = paired ? ratioOf(measured.requestsPerSecond, paired.requestsPerSecond) : null;
  const against = other && { requestsPerSecond: other.requestsPerSecond, oneConnection: other.oneConnection, ratio: ratioOf(measured.requestsPerSecond, other.requestsPerSecond) };
  rows.push({ scenario: scenario.name, ceiling: paired ? scenario.ceiling : null, ceilingRequestsPerSecond: paired?.requestsPerSecond ?? null, ratio, ...(AGAINST && { against }), ...measured });
  log(
    `${scenario.name}: ${describe(measured)}${ratio === null ? '' : `; ${ratio.toFixed(2)} of ceiling (${scenario.ceiling}) at ${paired!.requestsPerSecond} req/s in the same turns`}` +
      (against ? `; ${against.ratio.toFixed(2)} of the other build's ${against.requestsPerSecond} req/s (one at a time p50 ${against.oneConnection?.p50Us ?? '–'} µs)` : ''),
  );
}
if (againstServer) {
  againstServer.kill('SIGTERM');
  await once(againstServer, 'exit');
}
if (ceilingServer) {
  ceilingServer.kill('SIGTERM');
  await once(ceilingServer, 'exit');
}
const memory = memoryOf(server.pid!);
server.stdin?.end();
server.kill('SIGTERM');
await once(server, 'exit');

// ---------------------------------------------------------------- the abuse scenario

/**
 * A baseline, then one attacker at a time, each phase with the same legitimate traffic and
 * /healthz probes, on a service with production's limits and load shedding. Every client has
 * loopback addresses of its own (Linux answers on all of 127.0.0.0/8), bound as its connections'
 * local address: the service tells them apart as it would real clients, with its default of
 * believing no X-Forwarded-For. Made-up X-Forwarded-For headers under TRUST_PROXY=loopback would
 * be counted the same, but on a setting production does not have unless it sits behind a proxy.
 */
interface AbuseReport {
  settings: {
    rateLimitAnonymous: number;
    rateLimitToken: number;
    bodyLimit: number;
    maxEventLoopDelayMs: number;
    phaseSeconds: number;
    legitimate: { requestsPerSecond: number; addresses: number; paths: string[] };
    healthzProbesPerSecond: number;
    loadAverage: number[];
  };
  phases: AbusePhase[];
  memory: { peakMb: number; rssMb: number };
}
let abuse: AbuseReport | null = null;
if (only?.some((part) => 'abuse'.includes(part))) {
  const defaults = loadConfig({});
  // Nothing the service reads is passed on from this shell, so every limit and threshold is its default.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !(key in defaults) && key !== 'REDIS_URL'));
  // The service's warnings are counted per phase (shedding load, handler timed out); anything else is shown.
  const warnings: { at: number; msg: string; pressure?: string; value?: number | null }[] = [];
  const { server: target } = await startService({ ...env, ...databaseEnv, PORT: String(port), LOG_LEVEL: 'warn', GUIDEPOST_DEMO: '0' }, { onLine: (line) => {
    let entry: { level?: number; msg?: string; pressure?: string; value?: number | null } = {};
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      // not a log line of the service's
    }
    if (entry.level === 40 && entry.msg) warnings.push({ at: Date.now(), msg: entry.msg, pressure: entry.pressure, value: entry.value });
    else process.stderr.write(`${line}\n`);
  } });

  // Many clients each well within its allowance: 160 requests a second from 64 addresses is 150
  // a minute from each, a quarter of the anonymous limit.
  const legitimateRate = 160;
  const legitimateAddresses = Array.from({ length: 64 }, (_, i) => `127.0.1.${i + 1}`);
  const legitimatePaths = ['/v1/titles/{id}', '/v1/titles/{id}/verdict?age=12'];
  const probesPerSecond = 10;

  /** Waits until /readyz, shed like any route while the service sheds load, answers 200 three times in a row: the first of them, or null. */
  const calm = async (limitMs: number): Promise<number | null> => {
    const until = Date.now() + limitMs;
    let first: number | null = null;
    let streak = 0;
    while (Date.now() < until) {
      const asked = Date.now();
      const ok = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(Math.max(1, until - asked)) }).then((r) => r.ok, () => false);
      if (!ok) streak = 0;
      else if (streak++ === 0) first = asked;
      if (streak === 3) return first;
      await new Promise((r) => setTimeout(r, 200));
    }
    return null;
  };

  const runPhase = async (name: string, attack: (typeof ATTACKS)[number] | null, seconds: number): Promise<AbusePhase> => {
    // Time for the clients' processes to start, so that all begin together.
    const startAt = Date.now() + 5000;
    const end = startAt + seconds * 1000;
    const body = attack?.body(defaults.BODY_LIMIT);
    const rate = attack && (attack.token ? defaults.RATE_LIMIT_TOKEN : defaults.RATE_LIMIT_ANONYMOUS) / 60;
    const bodyFile = join(work, 'attack.json');
    if (body) writeFileSync(bodyFile, body);
    log(`abuse: ${name}${attack ? `, ${rate} requests/s of ${body!.length.toLocaleString('en')} bytes` : ''}…`);
    // Requests sent while the service is stuck are answered late, not lost: wait for them.
    const legitimate = { base, localAddresses: legitimateAddresses, rate: legitimateRate, duration: seconds, startAt, method: 'GET' as const, paths: legitimatePaths, ids, headers: {}, drain: 60 };
    const [legit, healthz, attacker] = await Promise.all([
      runChild<PacedResult>('paced.ts', legitimate),
      runChild<PacedResult>('paced.ts', { ...legitimate, localAddresses: ['127.0.0.9'], rate: probesPerSecond, paths: ['/healthz'] }),
      attack
        ? runChild<PacedResult>('paced.ts', {
            base,
            localAddresses: [`127.0.0.${2 + ATTACKS.indexOf(attack)}`],
            rate: rate!,
            duration: seconds,
            startAt,
            method: 'POST',
            paths: [attack.path],
            ids: [],
            headers: { 'content-type': 'application/json', ...(attack.token && { authorization: `Bearer ${attackerToken.token}` }) },
            bodyFile,
            drain: 5,
          })
        : null,
    ]);
    const calmAt = await calm(120_000);
    const warned = warnings.filter((w) => w.at >= startAt && w.at <= (calmAt ?? Date.now()));
    const counts: Record<string, number> = {};
    for (const w of warned) counts[w.msg] = (counts[w.msg] ?? 0) + 1;
    const result = phaseOf(
      {
        phase: name,
        seconds,
        attack: attack && { rate: rate!, bodyBytes: body!.length },
        legitimate: legit,
        healthz,
        attacker,
        warnings: counts,
        // JSON writes under-pressure's Infinity (no sample in the whole second) as null.
        eventLoopDelaysMs: warned.filter((w) => w.pressure === 'eventLoopDelay').map((w) => (typeof w.value === 'number' ? Math.round(w.value) : null)),
        recoverySeconds: calmAt === null ? null : Math.max(0, Math.round((calmAt - end) / 100) / 10),
      },
      phases[0] ?? null,
    );
    log(abuseTable([result]).at(-1)!);
    return result;
  };

  const phases: AbusePhase[] = [];
  // Not reported: the service's first requests run cold code.
  const loadAverage = [loadavg()[0]!];
  await runPhase('warm-up', null, 2);
  phases.push(await runPhase('baseline (no attacker)', null, DURATION));
  for (const attack of ATTACKS) phases.push(await runPhase(attack.name, attack, DURATION));
  loadAverage.push(loadavg()[0]!);
  abuse = {
    settings: {
      rateLimitAnonymous: defaults.RATE_LIMIT_ANONYMOUS,
      rateLimitToken: defaults.RATE_LIMIT_TOKEN,
      bodyLimit: defaults.BODY_LIMIT,
      maxEventLoopDelayMs: defaults.MAX_EVENT_LOOP_DELAY_MS,
      phaseSeconds: DURATION,
      legitimate: { requestsPerSecond: legitimateRate, addresses: legitimateAddresses.length, paths: legitimatePaths },
      healthzProbesPerSecond: probesPerSecond,
      // The machine's one-minute load average before and after: other work on it makes every figure noisier.
      loadAverage: loadAverage.map((l) => Math.round(l * 10) / 10),
    },
    phases,
    memory: memoryOf(target.pid!),
  };
  target.kill('SIGTERM');
  await once(target, 'exit');
}

// ---------------------------------------------------------------- report

const report = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
  settings: { titles: TITLES, seed: SEED, durationSeconds: DURATION, connections: CONNECTIONS, reviews, database: postgres ? 'postgres' : 'sqlite', ...(AGAINST && { against: AGAINST }) },
  import: { seconds: Math.round(importSeconds * 10) / 10, titlesPerSecond: Math.round(TITLES / importSeconds) },
  startupSeconds: Math.round(startupSeconds * 100) / 100,
  firstStrictPageSeconds: Math.round(indexSeconds * 100) / 100,
  memory,
  singleSeconds: SINGLE,
  ceilings: ceilingRows,
  scenarios: rows,
  ...(abuse && { abuse }),
};
const number = (n: number) => n.toLocaleString('en');
/** A row's measures after its first cells: requests (and titles) a second, then one at a time in µs, then under load in ms. */
const measures = (m: Measured) => [
  `${number(m.requestsPerSecond)}${m.titlesPerSecond ? ` (${number(m.titlesPerSecond)} titles/s)` : ''}`,
  m.oneConnection ? number(m.oneConnection.p50Us) : '–',
  m.oneConnection ? number(m.oneConnection.p99Us) : '–',
  `${m.p50Ms}`,
  `${m.p99Ms}${m.errors ? ` (${m.errors} errors)` : ''}`,
];
const measureHeads = `req/s | p50 µs, 1 conn | p99 µs, 1 conn | p50 ms, ${CONNECTIONS} conns | p99 ms, ${CONNECTIONS} conns |`;
const lines = [
  `Guidepost benchmark on ${postgres ? 'PostgreSQL' : 'SQLite'}: ${TITLES.toLocaleString('en')} titles, ${reviews.toLocaleString('en')} parent reviews, ${CONNECTIONS} connections, ${DURATION} s per scenario` +
    (SINGLE > 0 ? `, each after ${SINGLE} s of one request at a time` : '') +
    (PROFILE ? '; the service CPU-profiled, which slows it' : ''),
  '',
  ...(ceilingRows.length > 0
    ? [
        `| Ceiling: bare Fastify, the same database (the best of its measurements) | ${measureHeads}`,
        '|---|---:|---:|---:|---:|---:|',
        ...ceilingRows.map((c) => `| ${c.ceiling} | ${measures(c).join(' | ')} |`),
        '',
      ]
    : []),
  ...(rows.length > 0
    ? [
        `| Scenario | of its ceiling | the ceiling in the same turns, req/s |${AGAINST ? ' of the other build in the same turns |' : ''} ${measureHeads}`,
        `|---|---:|---:|${AGAINST ? '---:|' : ''}---:|---:|---:|---:|---:|`,
        ...rows.map(
          (r) =>
            `| ${r.scenario} | ${r.ratio === null ? '–' : `${r.ratio.toFixed(2)} (${r.ceiling})`} | ${r.ceilingRequestsPerSecond === null ? '–' : number(r.ceilingRequestsPerSecond)} |` +
            `${AGAINST ? ` ${r.against ? `${r.against.ratio.toFixed(2)} of ${number(r.against.requestsPerSecond)}` : '–'} |` : ''} ${measures(r).join(' | ')} |`,
        ),
        '',
      ]
    : []),
  `Import: ${report.import.titlesPerSecond.toLocaleString('en')} titles/s (${report.import.seconds} s). Start-up (builds the title index): ${report.startupSeconds} s; a new policy's first page (decides every title once): ${report.firstStrictPageSeconds} s. Memory: ${memory.peakMb} MB peak resident, ${memory.rssMb} MB at the end.`,
  ...(abuse
    ? [
        '',
        `Abuse: production's limits and load shedding; legitimate traffic ${abuse.settings.legitimate.requestsPerSecond} requests/s (title detail and age verdict) from ${abuse.settings.legitimate.addresses} addresses, ${abuse.settings.healthzProbesPerSecond} /healthz probes/s; ${DURATION} s a phase, each with one attacker at its limit's pace; load average ${abuse.settings.loadAverage.join(' before, ')} after`,
        '',
        ...abuseTable(abuse.phases),
        '',
        `The abuse scenario's service: ${abuse.memory.peakMb} MB peak resident, ${abuse.memory.rssMb} MB at the end.`,
      ]
    : []),
];
process.stdout.write(`${lines.join('\n')}\n`);
if (PROFILE) {
  const summary = summaryMarkdown(profiles.map(({ name, file }) => ({ name, summary: summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile) })));
  writeFileSync(join(profileDir, 'summary.md'), `${lines.join('\n')}\n\n${summary}`);
  process.stdout.write(`\n${summary}`);
  log(`profiles and summary.md written to ${profileDir}`);
} else {
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const file = join(ROOT, 'bench', 'results', `${report.date.slice(0, 10)}-${TITLES}${postgres ? '-postgres' : ''}${rows.length === 0 && abuse ? '-abuse' : ''}${args.label ? `-${args.label}` : ''}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  log(`written to ${file}`);
}
if (postgres) {
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  await client.query(`drop schema "${schema}" cascade`);
  await client.end();
}
