/**
 * What the fault tests share: the real server in a child process, a concurrent write load that
 * remembers every write the server acknowledged, and a check of a database (a SQLite file or a
 * PostgreSQL schema) against it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Test } from 'tap';
import { hashToken } from '../../src/domain/tokens.js';

const ROOT = join(import.meta.dirname, '../..');
export const SERVER = ['--import', 'tsx', join(ROOT, 'src/server.ts')];
export const CLI = ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];

export interface Server {
  child: ChildProcess;
  url: string;
  /** The last 20 kB of stdout and stderr. */
  output(): string;
  exited: Promise<[code: number | null, signal: NodeJS.Signals | null]>;
}

/**
 * The server compiled once, file by file as TypeScript emits it, for a test that starts it many
 * times: through tsx, whose loader hooks see every module, each start costs about a CPU-second
 * more. The copy sits in a directory laid out as the repository, so that the sources find
 * node_modules, the migrations and package.json where they look for them.
 *
 * Its processes run without tap's hook for coverage and process tracking, which tap passes on in
 * NODE_OPTIONS and which costs each start most of another CPU-second: give it only to a test
 * whose coverage tap does not count (see scripts/coverage-map.mjs); a process killed with
 * SIGKILL leaves none to count anyway.
 */
export async function compiledServer(): Promise<{ start(env: Record<string, string>): Promise<Server>; remove(): void }> {
  const { default: ts } = await import('typescript');
  const dir = mkdtempSync(join(tmpdir(), 'guidepost-compiled-'));
  for (const name of ['node_modules', 'migrations', 'package.json']) symlinkSync(join(ROOT, name), join(dir, name));
  for (const entry of readdirSync(join(ROOT, 'src'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const from = join(entry.parentPath, entry.name);
    const to = join(dir, relative(ROOT, from));
    mkdirSync(join(to, '..'), { recursive: true });
    if (!from.endsWith('.ts')) {
      copyFileSync(from, to);
      continue;
    }
    const { outputText } = ts.transpileModule(readFileSync(from, 'utf8'), {
      fileName: from,
      compilerOptions: { target: ts.ScriptTarget.ES2023, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
    });
    writeFileSync(to.replace(/\.ts$/, '.js'), outputText);
  }
  return {
    start: (env) => startServer(env, [...untracked(), join(dir, 'src/server.js')]),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Node, run without tap's process tracking (see compiledServer), for a process whose coverage tap
 * does not count. Through env(1): tap puts its hook back into the NODE_OPTIONS of any process
 * spawned under it, whatever the spawn's own environment says.
 */
export function untracked(): [string, ...string[]] {
  const nodeOptions = (process.env.NODE_OPTIONS ?? '')
    .split(' ')
    .filter((option) => !option.includes('@tapjs/processinfo'))
    .join(' ');
  return ['env', `NODE_OPTIONS=${nodeOptions}`, process.execPath];
}

export interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The user a test runs a process as when permissions must count and the test runs as root. */
export const NOBODY = 65534;

/**
 * Runs src/server.ts or src/cli/main.ts (SCRIPT, through tsx, untracked) with these arguments
 * to its end, in this environment (process.env with `env` over it; an undefined value unsets
 * a variable); as the user nobody if asked and the test runs as root. Killed after 30 s.
 */
export async function runToEnd(script: string[], { env = {}, cwd, asNobody = false }: { env?: Record<string, string | undefined>; cwd?: string; asNobody?: boolean } = {}): Promise<Ended> {
  const environment = Object.fromEntries(Object.entries({ ...process.env, ...env }).filter(([, value]) => value !== undefined));
  // tsx by its path: a process run in another folder would not find it by name.
  const args = script.map((arg) => (arg === 'tsx' ? import.meta.resolve('tsx') : arg));
  const [command, ...before] = untracked();
  const nobody = asNobody && process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {};
  const child = spawn(command, [...before, ...args], { env: environment, cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000, ...nobody });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/**
 * Starts the server (src/server.ts, or the command given) with this environment on a free port;
 * resolves once it listens. The loads sign many households up from one address: the sign-up
 * limit is off unless set.
 */
export async function startServer(env: Record<string, string>, [command, ...args] = [process.execPath, ...SERVER]): Promise<Server> {
  const child = spawn(command!, args, {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', RATE_LIMIT_SIGNUP: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let url: string | null = null;
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not listen within 30 s:\n${out}`)), 30_000);
    const take = (data: Buffer) => {
      out = (out + data.toString()).slice(-20_000);
      const m = url === null && /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        url = m[1]!;
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    void exited.then(([code, signal]) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code ?? signal}) before listening:\n${out}`));
    });
  });
  return { child, url: url!, output: () => out, exited };
}

export async function kill(server: Server, signal: NodeJS.Signals = 'SIGKILL') {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill(signal);
  return server.exited;
}

interface Household {
  id: string;
  token: string;
}

/** A write of a worker's round: an override is numbered by its title, the child's 0th to 3rd. */
type Step = 'sign-up' | 'child' | number | 'delete';

interface Progress {
  round: number;
  /** Which of the round's writes is next. */
  step: number;
  household?: Household;
  /** The round's child, and where its titles start in the list. */
  child?: { id: string; titles: number };
}

/**
 * Several clients writing at once, each on its own households and children: sign-ups, children,
 * overrides (each child/title pair with one note, sent again only when it got no answer, so the
 * acknowledged note is the only possible one) and child deletions. Only what got a 2xx is
 * remembered as acknowledged; a request that got no answer leaves what it touched uncertain, and
 * uncertain things are not checked.
 */
export class WriteLoad {
  readonly households = new Map<string, Household>();
  readonly children = new Map<string, { householdId: string; nickname: string }>();
  readonly overrides = new Map<string, { childId: string; titleId: string; note: string; decision: string }>();
  readonly deleted = new Set<string>();
  /** Children whose deletion was sent, answered or not. */
  private readonly deleting = new Set<string>();
  /** Answers that were neither 2xx nor a dropped connection: always a bug. */
  readonly failures: string[] = [];
  /** Writes answered 2xx so far; unlike the sizes of the maps, never less as children are deleted. */
  acknowledged = 0;
  /** Requests sent and not yet answered: what a kill now would leave uncertain. */
  inFlight = 0;
  private stopped = false;
  private running: Promise<void>[] = [];
  private seq = 0;
  /** Where each worker is, kept across start() and stop(). */
  private readonly progress: Progress[] = [];

  constructor(private readonly titles: string[]) {}

  start(url: string, workers: number): void {
    this.stopped = false;
    this.running = Array.from({ length: workers }, (_, n) => this.worker(url, n));
  }

  /** Stops the clients and waits until none has a request in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running);
  }

  /** A copy of what is acknowledged now, to check a later snapshot against. */
  snapshot() {
    return {
      households: new Map(this.households),
      children: new Map(this.children),
      overrides: new Map(this.overrides),
      deleted: new Set(this.deleted),
    };
  }

  /**
   * What of an earlier snapshot a copy taken since must still hold: all of it, but the children
   * deleted since (and their overrides), which a later copy rightly lacks.
   */
  stillExpected(earlier: Acknowledged): Acknowledged {
    const children = new Map([...earlier.children].filter(([id]) => !this.deleting.has(id)));
    const overrides = new Map([...earlier.overrides].filter(([, o]) => children.has(o.childId)));
    return { ...earlier, children, overrides };
  }

  /** One request; null when the connection failed (the server is gone, or going). */
  private async send(url: string, method: string, path: string, token: string | null, body?: unknown) {
    let res: Response;
    let text: string | null;
    this.inFlight++;
    try {
      res = await fetch(`${url}${path}`, {
        method,
        headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      text = await res.text().catch(() => null);
    } catch {
      return null;
    } finally {
      this.inFlight--;
    }
    if (text === null) return null;
    if (res.status >= 300) {
      this.failures.push(`${method} ${path}: ${res.status} ${text}`);
      return null;
    }
    this.acknowledged++;
    return { status: res.status, data: text ? JSON.parse(text) : undefined };
  }

  /**
   * Each worker goes round: a sign-up every third round, a child, four overrides on it, and every
   * fourth round the child's deletion. Started again, it carries on with the write it was cut off
   * in (sending it again), so that a load stopped after a few writes each time, by a kill, still
   * comes to every kind of write, and each kill finds the workers at different points.
   */
  private async worker(url: string, n: number): Promise<void> {
    const at = (this.progress[n] ??= { round: 0, step: 0 });
    while (!this.stopped) {
      const steps: Step[] = [...(at.round % 3 === 0 ? (['sign-up'] as const) : []), 'child', 0, 1, 2, 3, ...(at.round % 4 === 3 ? (['delete'] as const) : [])];
      const step = steps[at.step]!;
      const answered = await this.write(url, n, at, step);
      // A deletion cut off is not sent again: it may have been done, and the next would be a 404.
      if (answered || step === 'delete') {
        at.step = (at.step + 1) % steps.length;
        if (at.step === 0) at.round++;
      }
      if (!answered) return;
    }
  }

  /** One write of a worker's round; false when it got no answer. */
  private async write(url: string, n: number, at: Progress, step: Step): Promise<boolean> {
    if (step === 'sign-up') {
      const res = await this.send(url, 'POST', '/v1/households', null, { name: `load ${n}` });
      if (!res) return false;
      at.household = { id: res.data.household.id, token: res.data.token.token };
      this.households.set(at.household.id, at.household);
      return true;
    }
    const household = at.household!;
    if (step === 'child') {
      const nickname = `W${n}-${++this.seq}`;
      const res = await this.send(url, 'POST', '/v1/children', household.token, { nickname, birth: '2015-03' });
      if (!res) return false;
      at.child = { id: res.data.id, titles: (this.seq * 7) % this.titles.length };
      this.children.set(at.child.id, { householdId: household.id, nickname });
      return true;
    }
    const childId = at.child!.id;
    if (step === 'delete') {
      // Until the answer comes the child is neither here nor gone: forget it meanwhile.
      this.forget(childId);
      if (!(await this.send(url, 'DELETE', `/v1/children/${childId}`, household.token))) return false;
      this.deleted.add(childId);
      return true;
    }
    const titleId = this.titles[(at.child!.titles + step) % this.titles.length]!;
    const note = `note ${childId} ${step}`;
    const decision = step % 2 ? 'allow' : 'block';
    if (!(await this.send(url, 'PUT', `/v1/children/${childId}/overrides/${titleId}`, household.token, { decision, note }))) return false;
    this.overrides.set(`${childId}/${titleId}`, { childId, titleId, note, decision });
    return true;
  }

  private forget(childId: string) {
    this.deleting.add(childId);
    this.children.delete(childId);
    for (const [key, o] of this.overrides) if (o.childId === childId) this.overrides.delete(key);
  }
}

export type Acknowledged = ReturnType<WriteLoad['snapshot']>;

/**
 * Every row one statement reads. The check's statements take no parameters and run as they are on
 * either backend, so one check serves both.
 */
type Rows = <T>(sql: string) => Promise<T[]>;

/** Every acknowledged write the database does not hold, read table by table. */
async function missingWrites(rows: Rows, acked: Acknowledged): Promise<string[]> {
  const households = new Set((await rows<{ id: string }>('select id from households')).map((r) => r.id));
  const tokenOwners = new Map(
    (await rows<{ hash: string; household_id: string }>('select hash, household_id from tokens where revoked_at is null')).map((r) => [r.hash, r.household_id]),
  );
  const children = new Map((await rows<{ id: string; household_id: string; nickname: string }>('select id, household_id, nickname from children')).map((r) => [r.id, r]));
  const overrides = new Map(
    (await rows<{ child_id: string; title_id: string; note: string; decision: string }>('select child_id, title_id, note, decision from overrides')).map((r) => [
      `${r.child_id}/${r.title_id}`,
      r,
    ]),
  );
  const missing: string[] = [];
  for (const h of acked.households.values()) {
    if (!households.has(h.id)) missing.push(`household ${h.id}`);
    if (tokenOwners.get(hashToken(h.token)) !== h.id) missing.push(`token of ${h.id}`);
  }
  for (const [id, c] of acked.children) {
    const row = children.get(id);
    if (row?.household_id !== c.householdId || row.nickname !== c.nickname) missing.push(`child ${id} (${JSON.stringify(row)})`);
  }
  for (const [key, o] of acked.overrides) {
    const row = overrides.get(key);
    if (row?.note !== o.note || row.decision !== o.decision) missing.push(`override ${key} (${JSON.stringify(row)})`);
  }
  for (const id of acked.deleted) if (children.has(id)) missing.push(`deleted child ${id} is back`);
  return missing;
}

/**
 * Opens the database file (recovering it as any next opener would), and reports its integrity
 * check, its foreign-key check and every acknowledged write it does not hold.
 */
export async function checkSqliteFile(path: string, acked: Acknowledged): Promise<{ integrity: string; foreignKeys: number; missing: string[] }> {
  const db = new Database(path);
  try {
    const integrity = String(db.pragma('integrity_check', { simple: true }));
    const foreignKeys = (db.pragma('foreign_key_check') as unknown[]).length;
    const missing = await missingWrites(async <T>(sql: string) => db.prepare(sql).all() as T[], acked);
    return { integrity, foreignKeys, missing };
  } finally {
    db.close();
  }
}

/**
 * Every acknowledged write a PostgreSQL schema does not hold, read through a connection of its
 * own. There is nothing to recover or check for integrity: the server was killed, not PostgreSQL,
 * and PostgreSQL enforces the foreign keys itself.
 */
export async function checkPostgresSchema(url: string, schema: string, acked: Acknowledged): Promise<string[]> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    return await missingWrites(async <T>(sql: string) => (await client.query(sql)).rows as T[], acked);
  } finally {
    await client.end();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `test` holds, polling; rejects after `ms`. */
export async function until(test: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * A raw HTTP/1.1 connection, to send a request in pieces (a slow client) and read what comes
 * back until the server closes the connection. `halfOpen` keeps our side open after the server's
 * FIN, as a hostile client may: the connection then ends only when a write of ours finds the
 * server gone, so such a client must keep writing.
 */
export function rawConnection(port: number, { halfOpen = false } = {}) {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: halfOpen });
  let received = '';
  // One character a byte, so Content-Length counts characters; bodies are decoded as UTF-8 below.
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => (received += d));
  // A write that finds the connection gone fails before the close: the close is what counts.
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    write: (text: string) => new Promise<void>((resolve, reject) => socket.write(text, (err) => (err ? reject(err) : resolve()))),
    /** Every response received before the server closed the connection (which must come within `ms`). */
    async responses(ms = 5_000): Promise<RawResponse[]> {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the server kept the connection open ${ms} ms; received: ${received}`)), ms);
      });
      await Promise.race([closed, timeout]).finally(() => clearTimeout(timer));
      return parseResponses(received);
    },
    closed,
  };
}

function parseResponses(text: string): RawResponse[] {
  const out: RawResponse[] = [];
  let rest = text;
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    const length = Number(headers['content-length'] ?? 0);
    const body = Buffer.from(rest.slice(end + 4, end + 4 + length), 'latin1').toString('utf8');
    out.push({ status: Number(statusLine!.split(' ')[1]), headers, body });
    rest = rest.slice(end + 4 + length);
  }
  return out;
}

/**
 * Two requests a shutdown catches half-way: a sign-up whose body is still on its way (in flight:
 * its headers have arrived) and a request whose headers are not all there yet (late). `finish`
 * sends the rest of both; `answers` reads what each got.
 */
export async function halfSentRequests(port: number, name: string) {
  const body = JSON.stringify({ name });
  const inFlight = rawConnection(port);
  await inFlight.write(`POST /v1/households HTTP/1.1\r\nHost: guidepost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 4)}`);
  const late = rawConnection(port);
  await late.write('GET /v1/categories HTTP/1.1\r\nHost: guidepost\r\n');
  // Let both reach the server before anything else happens.
  await sleep(200);
  return {
    async finish() {
      await late.write('\r\n');
      await inFlight.write(body.slice(4));
    },
    async answers() {
      const [[inFlightAnswer], [lateAnswer]] = await Promise.all([inFlight.responses(), late.responses()]);
      return { inFlight: inFlightAnswer, late: lateAnswer };
    },
  };
}

/** What a request that arrives during a shutdown must get. */
export function assertShuttingDown(t: Test, res: RawResponse | undefined): void {
  t.equal(res?.status, 503, 'a request after the close began is refused');
  t.match(res?.headers['content-type'], /^application\/problem\+json/);
  t.equal(res?.headers['retry-after'], '1');
  t.equal(res?.headers.connection, 'close');
  t.match(JSON.parse(res?.body ?? '{}'), { type: 'urn:guidepost:problem:shutting-down', status: 503, title: 'Service Unavailable' });
}
