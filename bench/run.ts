/**
 * `npm run bench`: builds a synthetic catalogue, imports it with the CLI, seeds a community,
 * starts the built service in its own process and drives it with autocannon over loopback.
 *
 *   npm run bench -- --titles 1000000 --duration 10 --connections 32
 *   npm run bench -- --database postgres://postgres@127.0.0.1:5432/test
 *   npm run bench:abuse -- --label after   # --only abuse --titles 10000 --duration 5
 *
 * On SQLite (the default) the database is a new file; on PostgreSQL it is a new schema of the
 * database the URL names, dropped at the end.
 *
 * Prints a table (requests/s, p50, p99, throughput against the baseline measured in the same
 * run) and writes it, with import rate, start-up time and memory, to bench/results/.
 *
 * The abuse scenario (bench/abuse.ts) runs only when asked for with `--only abuse`: it needs a
 * service of its own, with production's limits and load shedding, and would double the run
 * (about two minutes at 5 s a phase, most of it the service recovering between attacks).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { abuseTable, ATTACKS, phaseOf, type AbusePhase } from './abuse.js';
import type { CannonScenario } from './cannon.js';
import type { PacedResult, PacedSpec } from './paced.js';
import { once } from 'node:events';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
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

/** Starts the built service with exactly `env`; its stdout goes to `onLine` line by line, or here. */
async function startService(env: NodeJS.ProcessEnv, onLine?: (line: string) => void): Promise<{ server: ChildProcess; seconds: number }> {
  const startAt = performance.now();
  const server = spawn(process.execPath, ['dist/server.js'], { cwd: ROOT, env, stdio: ['ignore', onLine ? 'pipe' : 'inherit', 'inherit'] });
  if (onLine) {
    let rest = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop()!;
      lines.forEach(onLine);
    });
  }
  for (;;) {
    const ready = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (server.exitCode !== null) throw new Error('the service exited during start-up');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { server, seconds: (performance.now() - startAt) / 1000 };
}

const { server, seconds: startupSeconds } = await startService({
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
});

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

/** Runs one scenario in its own client process (see bench/cannon.ts for why). */
function cannon(scenario: Scenario): Promise<{ average: number; p50: number; p99: number; bad: number }> {
  return runChild('cannon.ts', {
    base,
    connections: CONNECTIONS,
    duration: DURATION,
    method: scenario.method ?? 'GET',
    path: scenario.path,
    ...(scenario.body !== undefined && { body: scenario.body }),
    headers: scenario.authorized ? auth : {},
    ids,
  });
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
if (args.only !== undefined && 'abuse'.includes(args.only)) {
  const defaults = loadConfig({});
  // Nothing the service reads is passed on from this shell, so every limit and threshold is its default.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !(key in defaults) && key !== 'REDIS_URL'));
  // The service's warnings are counted per phase (shedding load, handler timed out); anything else is shown.
  const warnings: { at: number; msg: string; pressure?: string; value?: number | null }[] = [];
  const { server: target } = await startService({ ...env, ...databaseEnv, PORT: String(port), LOG_LEVEL: 'warn', GUIDEPOST_DEMO: '0' }, (line) => {
    let entry: { level?: number; msg?: string; pressure?: string; value?: number | null } = {};
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      // not a log line of the service's
    }
    if (entry.level === 40 && entry.msg) warnings.push({ at: Date.now(), msg: entry.msg, pressure: entry.pressure, value: entry.value });
    else process.stderr.write(`${line}\n`);
  });

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
  settings: { titles: TITLES, seed: SEED, durationSeconds: DURATION, connections: CONNECTIONS, reviews, database: postgres ? 'postgres' : 'sqlite' },
  import: { seconds: Math.round(importSeconds * 10) / 10, titlesPerSecond: Math.round(TITLES / importSeconds) },
  startupSeconds: Math.round(startupSeconds * 100) / 100,
  firstStrictPageSeconds: Math.round(indexSeconds * 100) / 100,
  memory,
  scenarios: rows,
  ...(abuse && { abuse }),
};
const lines = [
  `Guidepost benchmark on ${postgres ? 'PostgreSQL' : 'SQLite'}: ${TITLES.toLocaleString('en')} titles, ${reviews.toLocaleString('en')} parent reviews, ${CONNECTIONS} connections, ${DURATION} s per scenario`,
  '',
  ...(rows.length > 0
    ? [
        '| Scenario | req/s | p50 ms | p99 ms | vs baseline |',
        '|---|---:|---:|---:|---:|',
        ...rows.map((r) => `| ${r.scenario} | ${r.requestsPerSecond.toLocaleString('en')} | ${r.p50Ms} | ${r.p99Ms} | ${r.ratio.toFixed(2)}${r.errors ? ` (${r.errors} errors)` : ''} |`),
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
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
const file = join(ROOT, 'bench', 'results', `${report.date.slice(0, 10)}-${TITLES}${postgres ? '-postgres' : ''}${rows.length === 0 && abuse ? '-abuse' : ''}${args.label ? `-${args.label}` : ''}.json`);
writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
log(`written to ${file}`);
if (postgres) {
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  await client.query(`drop schema "${schema}" cascade`);
  await client.end();
}
