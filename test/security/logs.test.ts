/**
 * Tokens never reach the logs: the pino stream is captured at the most talkative level while
 * tokens are minted, used, refused (malformed, mistyped, unknown, revoked, wrong role), sent
 * where they do not belong (a URL), and while requests fail with 4xx and 5xx — including a
 * database failure during the token lookup itself. Neither a token nor its stored hash may appear.
 */
import { Writable } from 'node:stream';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { freshDatabase, onAnotherConnection, testConfig } from '../backend.js';
import { generateToken, hashToken } from '../../src/domain/tokens.js';
import { bearer, call, createChild, signUp, tokenFor } from '../helper.js';

// A known bug, kept visible: on PostgreSQL a failed query is logged as drizzle's DrizzleQueryError,
// whose message and stack carry the statement's parameters, so the token hash the lookup was given.

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, text: () => lines.join('\n'), lines };
}

t.test('no token and no token hash in the logs, whatever happens to the request', async (t) => {
  // A database another connection can break: a SQLite file, or a PostgreSQL schema under `npm run test:pg`.
  const database = freshDatabase(t);
  const logs = capture();
  const app = await buildApp(testConfig({ ...database, LOG_LEVEL: 'trace' }), { logStream: logs.stream });
  t.teardown(() => app.close());
  const send = (options: Parameters<typeof call>[1]) => call(app, options);

  const family = await signUp(app);
  const admin = await tokenFor(app, 'admin');
  const editor = (await send({ method: 'POST', url: '/v1/tokens', headers: bearer(admin), payload: { role: 'editor', name: 'Sam' } })).data.token as string;
  const second = (await send({ method: 'POST', url: '/v1/households/me/tokens', headers: bearer(family.token), payload: {} })).data;
  t.equal((await send({ method: 'DELETE', url: `/v1/households/me/tokens/${second.id}`, headers: bearer(family.token) })).statusCode, 204);
  const child = await createChild(app, family.token);

  const mistyped = `${family.token.slice(0, -1)}${family.token.endsWith('x') ? 'y' : 'x'}`;
  const unknown = generateToken('editor');
  const secrets = { household: family.token, admin, editor, revoked: second.token as string, mistyped, unknown };

  const answers: number[] = [];
  const record = async (options: Parameters<typeof call>[1]) => answers.push((await send(options)).statusCode);
  // Used as meant, and refused for the role.
  await record({ method: 'GET', url: '/v1/me', headers: bearer(family.token) });
  await record({ method: 'GET', url: `/v1/children/${child.id}`, headers: bearer(family.token) });
  await record({ method: 'GET', url: '/v1/tokens', headers: bearer(editor) });
  await record({ method: 'POST', url: '/v1/titles', headers: bearer(family.token), payload: {} });
  // Refused as tokens: revoked, mistyped, unknown, malformed headers.
  await record({ method: 'GET', url: '/v1/me', headers: bearer(secrets.revoked) });
  await record({ method: 'GET', url: '/v1/me', headers: bearer(mistyped) });
  await record({ method: 'GET', url: '/v1/titles', headers: bearer(unknown) });
  await record({ method: 'GET', url: '/v1/me', headers: { authorization: `Basic ${Buffer.from(`x:${admin}`).toString('base64')}` } });
  await record({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${admin} ${editor}` } });
  // Sent where a token does not belong: a URL is logged, so a token in one must be masked.
  await record({ method: 'GET', url: `/v1/me?access_token=${admin}` });
  await record({ method: 'GET', url: `/v1/titles/${editor}` });
  await record({ method: 'GET', url: `/v1/${family.token}/nothing` });
  // 4xx with a token: validation, not found, conflict, precondition.
  await record({ method: 'POST', url: '/v1/children', headers: bearer(family.token), payload: { nickname: family.token, birth: 'never' } });
  await record({ method: 'GET', url: '/v1/children/ch_nobody', headers: bearer(family.token) });
  await record({ method: 'PATCH', url: `/v1/children/${child.id}`, headers: { ...bearer(family.token), 'if-match': '"99"' }, payload: { nickname: 'Sam' } });
  await record({ method: 'POST', url: '/v1/titles', headers: { ...bearer(editor), 'content-type': 'application/json' }, payload: '{"name": ' });
  // 5xx: the database fails while the token is looked up, and while a handler runs.
  const other = (sql: string) => onAnotherConnection(database, sql);
  await other('ALTER TABLE tokens RENAME TO tokens_away');
  await record({ method: 'GET', url: '/v1/me', headers: bearer(family.token) });
  await record({ method: 'GET', url: '/v1/titles', headers: bearer(editor) });
  await other('ALTER TABLE tokens_away RENAME TO tokens');
  await other('ALTER TABLE children RENAME TO children_away');
  await record({ method: 'GET', url: `/v1/children/${child.id}`, headers: bearer(family.token) });
  await other('ALTER TABLE children_away RENAME TO children');

  t.same(new Set(answers), new Set([200, 400, 401, 403, 404, 412, 500]), 'every kind of answer was seen');
  const text = logs.text();
  t.ok(logs.lines.filter((l) => l.includes('incoming request')).length >= answers.length, 'every request was logged');
  t.ok(logs.lines.some((l) => l.includes('"level":50')), 'the failures were logged as errors');
  for (const [name, secret] of Object.entries(secrets)) {
    t.notOk(text.includes(secret), `the ${name} token is not in the logs`);
    t.notOk(text.includes(hashToken(secret)), `nor its hash`);
    t.notOk(text.includes(secret.slice(6, 38)), 'nor its random part');
  }
  t.match(text, /\[redacted\]/, 'a token in a URL is masked, not dropped with the line');
});
