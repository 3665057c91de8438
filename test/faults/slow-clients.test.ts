/**
 * Slow clients are cut off at REQUEST_TIMEOUT_MS, on a real listening server: headers that dribble
 * in, and a body that does, each get a 408 problem and a closed connection within a second of
 * their time, are not logged as a fault of the server's, and hold up no one else.
 */
import { Writable } from 'node:stream';
import t, { type Test } from 'tap';
import { buildApp } from '../../src/app.js';
import { timeoutCheckInterval } from '../../src/config.js';
import { testConfig } from '../backend.js';
import { rawConnection, sleep, type RawResponse } from './support.js';

const REQUEST_TIMEOUT_MS = 1_000;
// Well above the request timeout, as the configuration demands: a slow upload must hear 408 first.
const HANDLER_TIMEOUT_MS = 3_000;
// How late a cut may come: Node's checking interval, and a busy test machine's event loop.
const LATE_MS = timeoutCheckInterval(REQUEST_TIMEOUT_MS) + 750;

async function listening(t: Test) {
  const logs: { level: number; msg: string; [key: string]: unknown }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  const app = await buildApp(testConfig({ LOG_LEVEL: 'info', REQUEST_TIMEOUT_MS, HANDLER_TIMEOUT_MS }), { logStream: stream });
  t.teardown(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, port: (app.server.address() as { port: number }).port, logs };
}

interface Outcome {
  /** What the server answered before it closed the connection, or why we gave up waiting. */
  answers: RawResponse[] | Error;
  ms: number;
}

/**
 * Sends `head` at once, then `tail` a byte every 100 ms, never stopping early (a client that
 * keeps its side open and keeps sending), until the server closes the connection or 5 s pass.
 */
async function dribble(port: number, head: string, tail: string): Promise<Outcome> {
  const connection = rawConnection(port, { halfOpen: true });
  const started = Date.now();
  if (head) await connection.write(head);
  let i = 0;
  const timer = setInterval(() => {
    if (!connection.socket.destroyed) connection.socket.write(tail[i++ % tail.length]!);
  }, 100);
  const outcome = await waitForClose(connection, started);
  clearInterval(timer);
  connection.socket.destroy();
  return outcome;
}

async function waitForClose(connection: ReturnType<typeof rawConnection>, started: number): Promise<Outcome> {
  const answers = await connection.responses(5_000).catch((err: Error) => err);
  return { answers, ms: Date.now() - started };
}

/** One whole request on a connection of its own, answered and closed at once. */
async function quick(port: number, method: string, path: string, body = ''): Promise<number | undefined> {
  const connection = rawConnection(port);
  const type = body ? `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n` : '';
  await connection.write(`${method} ${path} HTTP/1.1\r\nHost: guidepost\r\nConnection: close\r\n${type}\r\n${body}`);
  return (await connection.responses(3_000))[0]?.status;
}

function assertRequestTimeout(t: Test, what: string, { answers, ms }: Outcome) {
  if (answers instanceof Error) return void t.fail(`${what}: ${answers.message}`);
  t.equal(answers.length, 1, `${what}: one answer`);
  const [res] = answers;
  t.equal(res?.status, 408, `${what}: 408, not a 503`);
  t.match(res?.headers['content-type'], /^application\/problem\+json/);
  t.equal(res?.headers.connection, 'close', `${what}: the answer says the connection closes`);
  t.same(JSON.parse(res?.body ?? '{}'), { type: 'about:blank', title: 'Request Timeout', status: 408, detail: 'The request took too long to arrive.' });
  t.ok(ms >= REQUEST_TIMEOUT_MS - 20 && ms <= REQUEST_TIMEOUT_MS + LATE_MS, `${what}: cut off at its time (${ms} ms, REQUEST_TIMEOUT_MS ${REQUEST_TIMEOUT_MS})`);
}

t.test('slow headers and a slow body get 408 and a closed connection at REQUEST_TIMEOUT_MS; others are served meanwhile', async (t) => {
  const { app, port, logs } = await listening(t);
  const body = JSON.stringify({ name: 'x'.repeat(500) });
  const started = Date.now();

  const [headers, upload, silent, served] = await Promise.all([
    dribble(port, '', 'GET /v1/categories HTTP/1.1\r\nHost: guidepost\r\nAccept: application/json\r\n\r\n'),
    dribble(port, `POST /v1/households HTTP/1.1\r\nHost: guidepost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`, body),
    // A connection that sends nothing at all is cut off the same way.
    waitForClose(rawConnection(port), Date.now()),
    // Meanwhile, on other connections, requests are answered at once.
    (async () => {
      await sleep(300);
      return [await quick(port, 'GET', '/v1/categories'), await quick(port, 'POST', '/v1/households', JSON.stringify({ name: 'quick' }))];
    })(),
  ]);

  assertRequestTimeout(t, 'slow headers', headers);
  assertRequestTimeout(t, 'slow body', upload);
  assertRequestTimeout(t, 'nothing sent', silent);
  t.same(served, [200, 201], 'a read and a write on other connections are served meanwhile');
  t.equal(await quick(port, 'GET', '/healthz'), 200, 'and afterwards');

  // Past the upload's handler timeout: a request cut off while its body was read must not answer again.
  await sleep(started + HANDLER_TIMEOUT_MS + 500 - Date.now());
  t.equal(await new Promise<number>((resolve, reject) => app.server.getConnections((err, n) => (err ? reject(err) : resolve(n)))), 0, 'no connection is left open');
  t.same(
    logs.filter((l) => l.level >= 50 || ((l.res as { statusCode?: number } | undefined)?.statusCode ?? 0) >= 500 || /timed out|already sent/.test(l.msg)),
    [],
    'nothing logged as a fault of the server: no error, no 5xx answer, no handler timeout',
  );
  t.equal(logs.filter((l) => l.status === 408 && l.level === 30).length, 3, 'each cut is logged at info, with its status');
});
