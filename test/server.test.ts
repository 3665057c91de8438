import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import t from 'tap';
import { freshDatabase } from './backend.js';

const SERVER = ['--import', 'tsx', join(import.meta.dirname, '../src/server.ts')];

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, SERVER, { env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return { child, out: () => out, err: () => err };
}

t.test('a bad variable stops start-up with a message that names it', async (t) => {
  const { child, err } = start({ PORT: 'eighty' });
  const [code] = await once(child, 'exit');
  t.equal(code, 2);
  t.match(err(), /PORT="eighty"/);
});

t.test('serves, then closes gracefully on SIGTERM', async (t) => {
  const database = freshDatabase(t);
  // Not a test of shedding: a start-up that blocked the loop past a second on a busy machine would
  // have the first request shed while under-pressure's first sample still shows it.
  const server = start({ PORT: '0', ...database, GUIDEPOST_DEMO: '1', MAX_EVENT_LOOP_DELAY_MS: '0' });
  t.teardown(() => server.child.exitCode === null && server.child.kill('SIGKILL'));
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listen line: ${server.out()} ${server.err()}`)), 30_000);
    server.child.stdout.on('data', () => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(server.out());
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  const res = await fetch(`${address}/v1/titles/imdb:tt1798709/verdict?age=16`);
  t.equal(res.status, 200);
  t.equal(((await res.json()) as { status: string }).status, 'ok');
  server.child.kill('SIGTERM');
  const [code] = await once(server.child, 'exit');
  t.equal(code, 0);
  t.match(server.out(), /"msg":"closing"/);
});

t.test('opens the metrics port once it serves, and closes it with itself', async (t) => {
  const database = freshDatabase(t);
  const server = start({ PORT: '0', METRICS_PORT: '0', ...database, MAX_EVENT_LOOP_DELAY_MS: '0' });
  t.teardown(() => server.child.exitCode === null && server.child.kill('SIGKILL'));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no metrics line: ${server.out()} ${server.err()}`)), 30_000);
    server.child.stdout.on('data', () => {
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)".*"msg":"metrics listening"/.exec(server.out());
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  t.match(server.out(), /Server listening at[\s\S]*metrics listening/, 'after the API listens');
  const res = await fetch(url);
  t.equal(res.status, 200);
  t.match(await res.text(), /^guidepost_title_index_titles 0$/m, 'the index was built before');
  server.child.kill('SIGTERM');
  const [code] = await once(server.child, 'exit');
  t.equal(code, 0, 'closed in time: the connection fetch keeps open to the metrics port did not hold the close up');
});
