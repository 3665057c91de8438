#!/usr/bin/env node
// The whole test suite against PostgreSQL: `npm run test:pg [-- tap arguments]`.
//
// Creates a database of its own on the local server (starting the server when it is down), runs
// tap with GUIDEPOST_TEST_DATABASE_URL pointing at it (each database a test asks for is a schema of
// its own there, see test/backend.ts), and drops the database afterwards, whatever the
// tests did, then holds coverage to the floor (scripts/check-coverage.mjs --backend postgres: the
// PostgreSQL store is measured here, the SQLite store by `npm test`). GUIDEPOST_TEST_PG names the
// server (default postgres://postgres@127.0.0.1:5432/postgres).
//
// Every test file runs but those whose first line says `// SQLite only: why` (what only SQLite has:
// backup, the file itself): tap does not list them here, and named on the command line their tests
// skip themselves (sqliteOnly in test/backend.ts).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

const admin = process.env.GUIDEPOST_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `guidepost_test_${process.pid}_${Date.now().toString(36)}`;

async function connect() {
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  return client;
}

/** The server answers, or is started as this machine's services are, and waited for. */
async function serverUp() {
  try {
    return await connect();
  } catch (err) {
    const local = /@(127\.0\.0\.1|localhost)[:/]/.test(admin);
    if (!local) throw new Error(`PostgreSQL at ${admin} does not answer (${err.message})`);
    console.error(`test:pg: PostgreSQL does not answer (${err.message}); starting it`);
    const [version] = readdirSync('/etc/postgresql');
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'inherit' });
    for (let i = 0; ; i++) {
      try {
        return await connect();
      } catch (again) {
        if (i === 60) throw again;
        await sleep(500);
      }
    }
  }
}

/** The test files that test what only SQLite has, by their first line. */
function sqliteOnlyFiles() {
  return readdirSync('test', { recursive: true })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => `test/${file}`)
    .filter((file) => readFileSync(file, 'utf8').startsWith('// SQLite only:'));
}
// tap's own default exclusion, which --exclude replaces, and the SQLite-only files.
const exclude = ['**/@(fixture*(s)|dist)/**', ...sqliteOnlyFiles()].map((pattern) => `--exclude=${pattern}`);

const client = await serverUp();
await client.query(`create database "${name}"`);
await client.end();
const url = new URL(admin);
url.pathname = `/${name}`;

let code = 1;
try {
  code = await new Promise((resolve) => {
    const tap = spawn('npx', ['tap', ...exclude, ...process.argv.slice(2)], {
      stdio: 'inherit',
      env: { ...process.env, GUIDEPOST_TEST_DATABASE_URL: url.toString() },
    });
    // Ctrl-C reaches tap too; the database is dropped once it has stopped.
    process.on('SIGINT', () => {});
    tap.on('exit', (status, signal) => resolve(status ?? (signal ? 1 : 0)));
  });
} finally {
  const cleanup = await connect();
  await cleanup.query(`drop database if exists "${name}" with (force)`);
  await cleanup.end();
}
// A run of chosen test files (tap arguments) measures only part of the code: no floor for it.
if (code === 0 && process.argv.length === 2) {
  code = spawnSync('node', ['scripts/check-coverage.mjs', '--backend', 'postgres'], { stdio: 'inherit' }).status ?? 1;
}
process.exit(code);
