import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import t from 'tap';
import { BACKEND, freshDatabase } from '../backend.js';
import { bearer, build, call, contents, createChild, createTitle, signUp, titleInput, tokenFor } from '../helper.js';

t.test('sign up, read, export, rotate tokens', async (t) => {
  const app = await build(t);
  const res = await call(app, { method: 'POST', url: '/v1/households', payload: { name: 'The Parks' } });
  t.equal(res.statusCode, 201);
  t.equal(res.headers['cache-control'], 'no-store');
  t.match(res.data, { household: { id: /^hh_/, name: 'The Parks' }, token: { role: 'household', token: /^gp_hh_/ } });
  const token = res.data.token.token;

  const me = await call(app, { method: 'GET', url: '/v1/households/me', headers: bearer(token) });
  t.same(me.data, res.data.household);
  t.match((await call(app, { method: 'GET', url: '/v1/me', headers: bearer(token) })).data, { role: 'household', householdId: res.data.household.id });

  const editor = await tokenFor(app, 'editor');
  const title = await createTitle(app, editor, titleInput());
  const child = await createChild(app, token);
  await call(app, { method: 'PUT', url: `/v1/children/${child.id}/overrides/${title.id}`, headers: bearer(token), payload: { decision: 'allow' } });
  const exported = await call(app, { method: 'GET', url: '/v1/households/me/export', headers: bearer(token) });
  t.equal(exported.statusCode, 200);
  t.match(exported.data, {
    household: { name: 'The Parks' },
    tokens: [{ role: 'household', revokedAt: null }],
    children: [{ nickname: 'Maya', birth: '2014-05', overrides: [{ title: { id: title.id }, decision: 'allow' }] }],
  });
  t.notOk(exported.body.includes(token), 'the export never holds a token secret');

  const bare = await app.inject({ method: 'POST', url: '/v1/households/me/tokens', headers: bearer(token) });
  t.equal(bare.statusCode, 201, 'minting needs no body');
  await app.store.tokens.revoke(JSON.parse(bare.body).id);
  t.equal((await app.inject({ method: 'POST', url: '/v1/households' })).statusCode, 201, 'nor does sign-up');
  const minted = await call(app, { method: 'POST', url: '/v1/households/me/tokens', headers: bearer(token), payload: { name: 'tablet' } });
  t.equal(minted.statusCode, 201);
  const second = minted.data.token;
  t.equal((await call(app, { method: 'GET', url: '/v1/households/me/tokens', headers: bearer(second) })).data.items.length, 3);
  const firstId = res.data.token.id;
  t.equal((await call(app, { method: 'DELETE', url: `/v1/households/me/tokens/${firstId}`, headers: bearer(second) })).statusCode, 204);
  t.equal((await call(app, { method: 'GET', url: '/v1/households/me', headers: bearer(token) })).statusCode, 401, 'the old token is revoked');
  const last = await call(app, { method: 'DELETE', url: `/v1/households/me/tokens/${minted.data.id}`, headers: bearer(second) });
  t.equal(last.statusCode, 409, 'the last live token cannot be revoked');
  t.equal((await call(app, { method: 'DELETE', url: '/v1/households/me/tokens/tk_nothing', headers: bearer(second) })).statusCode, 404);

  const other = await signUp(app);
  const foreign = await call(app, { method: 'DELETE', url: `/v1/households/me/tokens/${minted.data.id}`, headers: bearer(other.token) });
  t.equal(foreign.statusCode, 404, 'another household cannot revoke our token');
});

t.test('erasure leaves no trace of the child in the database (on SQLite, in its files)', async (t) => {
  const database = freshDatabase(t);
  const app = await build(t, database);
  const editor = await tokenFor(app, 'editor');
  const title = await createTitle(app, editor, titleInput());
  const { token } = await signUp(app);
  const child = await createChild(app, token, { nickname: 'Zebulonia' });
  await call(app, { method: 'PUT', url: `/v1/children/${child.id}/overrides/${title.id}`, headers: bearer(token), payload: { decision: 'allow', note: 'Quixotic-note' } });
  const rows = async () => JSON.stringify(await contents(app.store));
  // SQLite's secure_delete overwrites what is deleted: no byte is left in the file or its log. PostgreSQL
  // keeps dead rows until VACUUM, which no test can see through the API: there, no row may hold it.
  const dir = dirname(database.DATABASE_URL);
  const files = () => readdirSync(dir).map((f) => readFileSync(join(dir, f)).toString('latin1')).join('');
  t.match(await rows(), /Zebulonia/, 'the nickname was written');
  if (BACKEND === 'sqlite') t.match(files(), /Zebulonia/, '…into the file');
  t.equal((await call(app, { method: 'DELETE', url: '/v1/households/me', headers: bearer(token) })).statusCode, 204);
  t.notMatch(await rows(), /Zebulonia|Quixotic-note/, 'no row holds any of it');
  if (BACKEND === 'sqlite') t.notMatch(files(), /Zebulonia|Quixotic-note/, 'no byte of it is left in the database or its log');
});

t.test('closed sign-up: only admins create households', async (t) => {
  const app = await build(t, { SIGNUP: 'closed' });
  t.equal((await call(app, { method: 'POST', url: '/v1/households', payload: {} })).statusCode, 401);
  const editor = await tokenFor(app, 'editor');
  t.equal((await call(app, { method: 'POST', url: '/v1/households', headers: bearer(editor), payload: {} })).statusCode, 403);
  const admin = await tokenFor(app, 'admin');
  const res = await call(app, { method: 'POST', url: '/v1/households', headers: bearer(admin), payload: { name: 'Invited' } });
  t.equal(res.statusCode, 201);
  t.equal((await call(app, { method: 'GET', url: '/v1/households/me', headers: bearer(res.data.token.token) })).data.name, 'Invited');
  t.equal((await call(app, { method: 'POST', url: '/v1/households', headers: bearer(admin), payload: { colour: 'red' } })).statusCode, 400);
});

t.test('deleting a household erases everything it owns', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const title = await createTitle(app, editor, titleInput());
  const keep = await signUp(app);
  const keptChild = await createChild(app, keep.token, { nickname: 'Other' });
  const gone = await signUp(app);
  await call(app, { method: 'POST', url: '/v1/households/me/tokens', headers: bearer(gone.token), payload: {} });
  for (const nickname of ['Maya', 'Leo']) {
    const child = await createChild(app, gone.token, { nickname, limits: { language: { max: 1 } }, certificationCeilings: { MPA: 'PG' } });
    await call(app, { method: 'PUT', url: `/v1/children/${child.id}/overrides/${title.id}`, headers: bearer(gone.token), payload: { decision: 'block' } });
  }
  const review = (token: string, by = 'parent', extra = {}) =>
    call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, headers: bearer(token), payload: { by, ageRating: 12, stars: 4, headline: 'h', body: 'b', ...extra } });
  const kept = (await review(keep.token)).data;
  await review(gone.token);
  await call(app, { method: 'POST', url: `/v1/reviews/${kept.id}/helpful`, headers: bearer(gone.token) });
  await call(app, { method: 'POST', url: `/v1/titles/${title.id}/flags`, headers: bearer(gone.token), payload: { reason: 'other' } });
  t.equal((await call(app, { method: 'GET', url: `/v1/reviews/${kept.id}` })).data.helpful, 1);
  t.equal((await call(app, { method: 'GET', url: `/v1/titles/${title.id}` })).data.community.parents.count, 2);
  t.equal(await app.store.households.footprint(gone.id), 1 + 2 + 2 + 2 + 1 + 1 + 1, 'household, 2 tokens, 2 children, 2 overrides, a review, a mark, a flag');

  const res = await call(app, { method: 'DELETE', url: '/v1/households/me', headers: bearer(gone.token) });
  t.equal(res.statusCode, 204);
  t.equal(await app.store.households.footprint(gone.id), 0, 'no row anywhere belongs to it');
  t.equal((await call(app, { method: 'GET', url: '/v1/households/me', headers: bearer(gone.token) })).statusCode, 401, 'its tokens are gone');
  t.equal((await call(app, { method: 'GET', url: `/v1/children/${keptChild.id}`, headers: bearer(keep.token) })).statusCode, 200, 'other households are untouched');
  t.equal((await call(app, { method: 'GET', url: `/v1/titles/${title.id}` })).statusCode, 200, 'the catalogue is untouched');
  t.equal((await call(app, { method: 'GET', url: `/v1/reviews/${kept.id}` })).data.helpful, 0, 'its helpful mark is gone');
  t.equal((await call(app, { method: 'GET', url: `/v1/titles/${title.id}` })).data.community.parents.count, 1, 'its review left the statistics');
});

t.test('staff tokens cannot reach household routes', async (t) => {
  const app = await build(t);
  for (const role of ['editor', 'admin'] as const) {
    const token = await tokenFor(app, role);
    for (const [method, url] of [
      ['GET', '/v1/households/me'],
      ['DELETE', '/v1/households/me'],
      ['GET', '/v1/households/me/export'],
      ['GET', '/v1/households/me/tokens'],
    ] as const) {
      t.equal((await call(app, { method, url, headers: bearer(token) })).statusCode, 403, `${role} ${method} ${url}`);
    }
  }
  t.equal((await call(app, { method: 'GET', url: '/v1/households/me' })).statusCode, 401);
});
