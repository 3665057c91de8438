/**
 * The server and the guidepost command, started with a DATABASE_URL that names no place a
 * database can be, stop at once: exit status 2 and one line on stderr that names the variable and
 * the reason. The cases are those test/db/location.test.ts opens in-process; here the ones of
 * permission run as the user nobody when the test runs as root.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { tempDir } from './backend.js';
import { isRoot, NOBODY, refusedLocations } from './database-locations.js';
import { untracked } from './faults/support.js';

const SRC = join(import.meta.dirname, '../src');
const TSX = import.meta.resolve('tsx');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The server, or `guidepost migrate`, with this DATABASE_URL (unset when undefined). */
async function start(program: 'server' | 'cli', databaseUrl: string | undefined, { cwd, asNobody = false }: { cwd?: string; asNobody?: boolean } = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOG_LEVEL: 'silent' };
  delete env.DATABASE_URL;
  if (databaseUrl !== undefined) env.DATABASE_URL = databaseUrl;
  const args = ['--import', TSX, join(SRC, program === 'server' ? 'server.ts' : 'cli/main.ts'), ...(program === 'cli' ? ['migrate'] : [])];
  const [command, ...before] = untracked();
  const child = spawn(command!, [...before, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000, ...(asNobody && { uid: NOBODY, gid: NOBODY }) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

t.test('a refused DATABASE_URL stops the server and the command at once, in one line naming it, with exit status 2', async (t) => {
  const dir = tempDir(t, 'database-url');
  for (const refused of refusedLocations(dir)) {
    const asNobody = Boolean(refused.unprivileged) && isRoot();
    const runs = await Promise.all((['server', 'cli'] as const).map((program) => start(program, refused.value, { asNobody })));
    for (const [i, run] of runs.entries()) {
      const program = i === 0 ? 'the server' : 'guidepost migrate';
      t.equal(run.code, 2, `${refused.what}: ${program} exits 2`);
      const lines = run.stderr.split('\n');
      t.equal(lines.length, 2, `${refused.what}: ${program} says one line: ${run.stderr}`);
      const prefix = `guidepost: DATABASE_URL=${JSON.stringify(refused.value)}: `;
      t.equal(lines[0]!.slice(0, prefix.length), prefix, `${refused.what}: ${program} names the variable and its value`);
      t.match(lines[0]!.slice(prefix.length), refused.reason, `${refused.what}: ${program} says why`);
      t.equal(run.stdout, '', 'and nothing else');
    }
    if (refused.absent) t.notOk(existsSync(refused.absent), `${refused.what}: nothing created`);
  }
});

t.test('unset, DATABASE_URL is ./data/guidepost.db, whose folder is created', async (t) => {
  const dir = tempDir(t, 'default-database');
  const run = await start('cli', undefined, { cwd: dir });
  t.equal(run.code, 0, run.stderr);
  t.ok(existsSync(join(dir, 'data', 'guidepost.db')));
});
