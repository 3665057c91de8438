/**
 * The guidepost command's errors: usage (and exit status 2) only for a mistake in the command
 * line; one line with its cause (and exit status 1) for a command that fails; the usage on
 * stdout (and exit status 0) when asked for.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { freshDatabase, tempDir } from '../backend.js';
import { CLI, runToEnd } from '../faults/support.js';

t.test('help, --help and -h print the usage on stdout, exit 0', async (t) => {
  const runs = await Promise.all([['help'], ['--help'], ['-h'], ['import', '--help']].map((args) => runToEnd([...CLI, ...args])));
  for (const run of runs) {
    t.equal(run.code, 0);
    t.match(run.stdout, /^Usage: guidepost <command> \[options\]\n\nCommands:\n {2}help /);
    t.match(run.stdout, /Exit status: 0 done; 1 the command failed/);
    t.equal(run.stderr, '');
  }
});

t.test('a usage mistake: its line, then the usage, on stderr; exit 2', async (t) => {
  const cases: [string[], string][] = [
    [[], 'no command given'],
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['import'], 'import needs a file: guidepost import FILE.jsonl'],
    [['import', 'x.jsonl', '--batch', 'ten'], '--batch takes a whole number of lines from 1 to 100000, not ten'],
    [['export', '--frob'], "Unknown option '--frob'"],
    [['token', 'create'], 'token create needs --role editor or --role admin'],
    [['token', 'revoke'], 'token takes create, list or revoke ID'],
    [['backup'], 'backup needs a destination: guidepost backup PATH'],
    [['migrate-data'], 'migrate-data needs a source: guidepost migrate-data --from SOURCE'],
  ];
  const runs = await Promise.all(cases.map(([args]) => runToEnd([...CLI, ...args], { env: { DATABASE_URL: ':memory:' } })));
  for (const [i, run] of runs.entries()) {
    const [args, message] = cases[i]!;
    t.equal(run.code, 2, `guidepost ${args.join(' ')}`);
    const [line, blank, usage] = run.stderr.split('\n');
    t.ok(line!.startsWith(`guidepost: ${message}`), `${line} says ${message}`);
    t.equal(blank, '', 'in one line');
    t.equal(usage, 'Usage: guidepost <command> [options]', 'then the usage');
    t.equal(run.stdout, '');
  }
});

t.test('a command that fails: one line with the cause, no usage; exit 1', async (t) => {
  const dir = tempDir(t, 'cli-errors');
  chmodSync(dir, 0o755);
  const database = freshDatabase(t);
  const env = { ...database, LOG_LEVEL: 'silent' };
  const secret = join(dir, 'secret.jsonl');
  writeFileSync(secret, '{}\n');
  chmodSync(secret, 0o000);
  mkdirSync(join(dir, 'folder.jsonl'));
  const taken = join(dir, 'taken.db');
  writeFileSync(taken, '');
  const cases: [string[], string, { asNobody?: boolean }?][] = [
    [['import', join(dir, 'missing.jsonl')], `cannot read ${join(dir, 'missing.jsonl')}: no such file`],
    [['import', join(dir, 'folder.jsonl')], `cannot read ${join(dir, 'folder.jsonl')}: is a directory`],
    // Root reads anything: as the user nobody when the test runs as root.
    [['import', secret], `cannot read ${secret}: permission denied`, { asNobody: true }],
    [['token', 'revoke', 'tk_nope'], 'no token has the id tk_nope'],
  ];
  if (database.DATABASE_URL.startsWith('postgres')) {
    cases.push([['backup', taken], "guidepost backup copies a SQLite file; back up PostgreSQL with its own tools (pg_dump, or your provider's snapshots)"]);
  } else {
    cases.push([['backup', taken], `cannot back up to ${taken}: the file already exists; give a new path`]);
  }
  // One after another: each opens the same database, and the first migrates it.
  for (const [args, message, options] of cases) {
    const run = await runToEnd([...CLI, ...args], { env, ...options });
    t.equal(run.code, 1, `guidepost ${args.join(' ')}`);
    t.equal(run.stderr, `guidepost: ${message}\n`, 'one line, no usage');
  }
});
