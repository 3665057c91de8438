/**
 * The server and the guidepost command, started with a DATABASE_URL that names no place a
 * database can be, stop at once: exit status 2 and one line on stderr that names the variable and
 * the reason. The cases are those test/db/location.test.ts opens in-process; here the ones of
 * permission run as the user nobody when the test runs as root.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { tempDir } from './backend.js';
import { refusedLocations } from './database-locations.js';
import { CLI, runToEnd, SERVER } from './faults/support.js';

/** The server, or `guidepost migrate`, with this DATABASE_URL (unset when undefined). */
const start = (program: 'server' | 'cli', databaseUrl: string | undefined, options: { cwd?: string; asNobody?: boolean } = {}) =>
  runToEnd(program === 'server' ? SERVER : [...CLI, 'migrate'], { env: { PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: databaseUrl }, ...options });

t.test('a refused DATABASE_URL stops the server and the command at once, in one line naming it, with exit status 2', async (t) => {
  const dir = tempDir(t, 'database-url');
  for (const refused of refusedLocations(dir)) {
    const runs = await Promise.all((['server', 'cli'] as const).map((program) => start(program, refused.value, { asNobody: refused.unprivileged })));
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
