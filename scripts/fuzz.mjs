#!/usr/bin/env node
// The long fuzz run: `npm run fuzz`. test/security/fuzz.test.ts with FUZZ_REQUESTS (default
// 100,000) requests over all operations, on SQLite and on PostgreSQL (a database of its own,
// through scripts/test-pg.mjs), both at once: the PostgreSQL run spends much of its time waiting
// on the server, which the SQLite run fills. Each line says which run it is from. FUZZ_SEED,
// FUZZ_RUNS, FUZZ_OP, FUZZ_PATH and FUZZ_JOBS work as for the test; FUZZ_BACKENDS=sqlite (or
// postgres) runs one.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const TAP = ['--disable-coverage', '--timeout=0', '--reporter=tap', 'test/security/fuzz.test.ts'];
const RUNS = {
  sqlite: ['npx', ['tap', ...TAP]],
  postgres: [process.execPath, ['scripts/test-pg.mjs', ...TAP]],
};
// Operations at once (FUZZ_JOBS): SQLite answers within the process, so one keeps its core busy;
// PostgreSQL leaves the process waiting on the server, so two overlap.
const JOBS = { sqlite: '1', postgres: '2' };
const envFor = (name) => ({ ...process.env, FUZZ_REQUESTS: process.env.FUZZ_REQUESTS ?? '100000', FUZZ_JOBS: process.env.FUZZ_JOBS ?? JOBS[name] });
const backends = (process.env.FUZZ_BACKENDS ?? 'sqlite,postgres').split(',').map((name) => name.trim());
const unknown = backends.filter((name) => !(name in RUNS));
if (unknown.length) throw new Error(`FUZZ_BACKENDS names sqlite and postgres, not ${unknown.join(', ')}`);

function run(name) {
  const [command, args] = RUNS[name];
  const started = Date.now();
  const child = spawn(command, args, { env: envFor(name), stdio: ['ignore', 'pipe', 'pipe'] });
  const label = name.padEnd(8);
  for (const stream of [child.stdout, child.stderr]) createInterface({ input: stream }).on('line', (line) => console.log(`${label} | ${line}`));
  return new Promise((resolve) => {
    // 'close', not 'exit': every line the run wrote has been passed on.
    child.on('close', (status, signal) => resolve({ name, code: status ?? (signal ? 1 : 0), seconds: (Date.now() - started) / 1000 }));
  });
}

// Ctrl-C reaches the runs too; test-pg.mjs drops its database once its run has stopped.
process.on('SIGINT', () => {});
const results = await Promise.all(backends.map(run));
for (const { name, code, seconds } of results) console.log(`fuzz: ${name} ${code === 0 ? 'passed' : 'FAILED'} in ${seconds.toFixed(0)} s`);
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
