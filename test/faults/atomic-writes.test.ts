/**
 * Writes that read before they write, or write several rows, are one immediate transaction:
 * interleaved requests cannot both pass a check that only one of them may pass, and a write that
 * fails half-way leaves nothing behind.
 */
import t from 'tap';
import { freshDatabase, openStoreOn, queryOnAnotherConnection } from '../backend.js';
import { bearer, build, call, signUp } from '../helper.js';

t.test('two revocations at once never revoke a household’s last live token', async (t) => {
  const app = await build(t);
  const { token } = await signUp(app);
  const second = await call(app, { method: 'POST', url: '/v1/households/me/tokens', headers: bearer(token), payload: {} });
  t.equal(second.statusCode, 201);
  const tokens = (await call(app, { method: 'GET', url: '/v1/households/me/tokens', headers: bearer(token) })).data.items as { id: string }[];
  t.equal(tokens.length, 2);

  // Each token revokes the other, both at once.
  const [a, b] = await Promise.all([
    call(app, { method: 'DELETE', url: `/v1/households/me/tokens/${tokens[1]!.id}`, headers: bearer(token) }),
    call(app, { method: 'DELETE', url: `/v1/households/me/tokens/${tokens[0]!.id}`, headers: bearer(second.data.token) }),
  ]);
  // The other is refused: as the last token (409), or, where the first revocation commits before
  // the second request's token is looked up (PostgreSQL runs them truly at once), as revoked (401).
  const [won, lost] = a.statusCode === 204 ? [a, b] : [b, a];
  t.equal(won.statusCode, 204, 'one revocation goes through');
  t.ok([409, 401].includes(lost.statusCode), `the other is refused (${lost.statusCode})`);
  const refused = lost;
  t.match(refused.headers['content-type'], /^application\/problem\+json/);
  const survivor = a.statusCode === 204 ? token : second.data.token;
  const left = await call(app, { method: 'GET', url: '/v1/households/me/tokens', headers: bearer(survivor) });
  t.equal(left.statusCode, 200, 'the household can still sign in');
  t.equal(left.data.items.filter((x: { revokedAt: string | null }) => x.revokedAt === null).length, 1);
});

t.test('revoking an unknown or already revoked token is a 404', async (t) => {
  const app = await build(t);
  const { token } = await signUp(app);
  const res = await call(app, { method: 'DELETE', url: '/v1/households/me/tokens/tk_nope', headers: bearer(token) });
  t.equal(res.statusCode, 404);
  t.match(res.headers['content-type'], /^application\/problem\+json/);
});

t.test('a sign-up stores the household and its first token together, or neither', async (t) => {
  const database = freshDatabase(t);
  const store = await openStoreOn(database);
  t.teardown(() => store.close());
  const first = await store.households.createWithToken({ name: 'One', country: null }, { id: 'tk_same', name: null, hash: 'hash-1', hint: 'x' });
  t.equal(first.token.householdId, first.household.id);
  t.equal((await store.tokens.get('tk_same'))?.householdId, first.household.id);

  // The token cannot be stored (its id is taken): the household must not be left without one.
  const refused = (await store.households.createWithToken({ name: 'Two', country: null }, { id: 'tk_same', name: null, hash: 'hash-2', hint: 'x' }).catch((err: unknown) => err)) as Error & { code?: string };
  // The database's own refusal, on PostgreSQL the cause of the query builder's error.
  const code = refused.code ?? (refused.cause as { code?: string } | undefined)?.code;
  t.equal(code, store.dialect === 'postgres' ? '23505' : 'SQLITE_CONSTRAINT_PRIMARYKEY', 'the taken id is refused by the database');
  const households = await queryOnAnotherConnection<{ name: string }>(database, 'select name from households');
  t.same(households.map((h) => h.name), ['One'], 'the half-made household was rolled back');
});
