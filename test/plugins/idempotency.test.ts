import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { BACKEND, freshDatabase } from '../backend.js';
import { bearer, build, call, contents, createChild, createTitle, signUp, titleInput, tokenFor } from '../helper.js';

const KEY = '6f1c2b9e-7d4a-4c1e-9a55-0b1d2c3e4f50';
const withKey = (headers: Record<string, string>, key = KEY) => ({ ...headers, 'idempotency-key': key });
const review = { by: 'parent', ageRating: 12, stars: 4, headline: 'Good', body: 'We liked it.' };

/** A household, a title, a child and someone else's review: enough for every creating POST. */
async function world(app: FastifyInstance) {
  const admin = await tokenFor(app, 'admin');
  const editor = await tokenFor(app, 'editor');
  const title = await createTitle(app, editor, titleInput());
  const blocked = await createTitle(app, editor, titleInput({ name: 'Unrated' }));
  const family = await signUp(app);
  const child = await createChild(app, family.token);
  const other = await signUp(app);
  const theirs = await call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, headers: bearer(other.token), payload: review });
  return { admin, editor, title, blocked, family, child, review: theirs.data };
}

t.test('every POST that creates something answers a retry with the first answer, and creates nothing twice', async (t) => {
  const app = await build(t);
  const w = await world(app);
  const cases: { name: string; url: string; token?: string; payload?: unknown; count: () => Promise<number> }[] = [
    { name: 'sign-up', url: '/v1/households', payload: { name: 'The Parks' }, count: async () => (await app.store.tokens.list(['household'])).length },
    { name: 'household token', url: '/v1/households/me/tokens', token: w.family.token, payload: { name: 'tablet' }, count: async () => (await app.store.tokens.listForHousehold(w.family.id)).length },
    { name: 'request to watch', url: `/v1/children/${w.child.id}/requests`, token: w.family.token, payload: { title: w.blocked.id }, count: async () => (await app.store.rowCounts()).watch_requests },
    { name: 'device token', url: `/v1/children/${w.child.id}/tokens`, token: w.family.token, payload: { name: 'tablet' }, count: async () => (await app.store.tokens.listForHousehold(w.family.id)).filter((k) => k.role === 'child').length },
    { name: 'staff token', url: '/v1/tokens', token: w.admin, payload: { role: 'editor', name: 'Sam' }, count: async () => (await app.store.tokens.list(['editor'])).length },
    { name: 'child', url: '/v1/children', token: w.family.token, payload: { nickname: 'Noor', birth: '2016' }, count: async () => (await app.store.children.list(w.family.id, { limit: 100 })).items.length },
    { name: 'title', url: '/v1/titles', token: w.editor, payload: titleInput({ name: 'Another' }), count: () => app.store.titles.count() },
    { name: 'review', url: `/v1/titles/${w.title.id}/reviews`, token: w.family.token, payload: review, count: async () => (await app.store.reviews.forHousehold(w.family.id)).length },
    { name: 'helpful mark', url: `/v1/reviews/${w.review.id}/helpful`, token: w.family.token, count: async () => (await app.store.reviews.votesOf(w.family.id)).length },
    { name: 'title flag', url: `/v1/titles/${w.title.id}/flags`, token: w.family.token, payload: { reason: 'inaccurate' }, count: async () => (await app.store.flags.forHousehold(w.family.id)).length },
    { name: 'review flag', url: `/v1/reviews/${w.review.id}/flags`, token: w.family.token, payload: { reason: 'spam' }, count: async () => (await app.store.flags.forHousehold(w.family.id)).length },
  ];
  const doc = app.swagger() as unknown as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  const creating = Object.entries(doc.paths).flatMap(([path, ops]) => (ops.post?.responses['201'] ? [path] : []));
  t.equal(creating.length, cases.length, 'the cases cover every POST that answers 201');

  for (const c of cases) {
    const headers = withKey(c.token ? bearer(c.token) : {}, `${KEY}-${c.name.replace(/ /g, '-')}`);
    const before = await c.count();
    const first = await call(app, { method: 'POST', url: c.url, headers, ...(c.payload !== undefined && { payload: c.payload as object }) });
    t.equal(first.statusCode, 201, `${c.name}: created`);
    t.notOk(first.headers['idempotent-replayed'], `${c.name}: the first answer is no replay`);
    const retry = await call(app, { method: 'POST', url: c.url, headers, ...(c.payload !== undefined && { payload: c.payload as object }) });
    t.equal(retry.statusCode, 201, `${c.name}: the retry answers 201 too`);
    t.equal(retry.body, first.body, `${c.name}: the same body`);
    t.equal(retry.headers['idempotent-replayed'], 'true', `${c.name}: marked as a replay`);
    for (const name of ['location', 'etag', 'content-type', 'cache-control']) t.equal(retry.headers[name], first.headers[name], `${c.name}: the same ${name}`);
    t.equal(await c.count(), before + 1, `${c.name}: created once`);
  }
});

t.test('the same key for another request is a 422; keys belong to their token', async (t) => {
  const app = await build(t);
  const family = await signUp(app);
  const first = await call(app, { method: 'POST', url: '/v1/children', headers: withKey(bearer(family.token)), payload: { nickname: 'Maya', birth: '2014-05' } });
  t.equal(first.statusCode, 201);

  const reordered = await call(app, { method: 'POST', url: '/v1/children', headers: withKey(bearer(family.token)), payload: { birth: '2014-05', nickname: 'Maya' } });
  t.equal(reordered.headers['idempotent-replayed'], 'true', 'the same JSON with its keys in another order is the same request');
  const quoted = await call(app, { method: 'POST', url: '/v1/children', headers: withKey(bearer(family.token), `"${KEY}"`), payload: { nickname: 'Maya', birth: '2014-05' } });
  t.equal(quoted.headers['idempotent-replayed'], 'true', 'the key as a Structured Field string is the same key');

  const otherBody = await call(app, { method: 'POST', url: '/v1/children', headers: withKey(bearer(family.token)), payload: { nickname: 'Noor', birth: '2014-05' } });
  t.equal(otherBody.statusCode, 422);
  t.equal(otherBody.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.match(otherBody.data, { type: 'urn:guidepost:problem:idempotency-key-reused', status: 422, detail: /another request/ });

  const otherRoute = await call(app, { method: 'POST', url: '/v1/households/me/tokens', headers: withKey(bearer(family.token)), payload: { name: 'Maya' } });
  t.equal(otherRoute.statusCode, 422, 'the same key on another route');
  t.equal((await app.store.children.list(family.id, { limit: 10 })).items.length, 1, 'nothing more was created');

  const second = await call(app, { method: 'POST', url: '/v1/households/me/tokens', headers: bearer(family.token) });
  const sibling = await call(app, { method: 'POST', url: '/v1/children', headers: withKey(bearer(second.data.token)), payload: { nickname: 'Maya', birth: '2014-05' } });
  t.equal(sibling.statusCode, 201, 'another token of the household has keys of its own');
  t.notOk(sibling.headers['idempotent-replayed']);
  t.not(sibling.data.id, first.data.id);

  const stranger = await signUp(app);
  const theirs = await call(app, { method: 'POST', url: '/v1/children', headers: withKey(bearer(stranger.token)), payload: { nickname: 'Maya', birth: '2014-05' } });
  t.equal(theirs.statusCode, 201, 'another household never gets our answer');
  t.not(theirs.data.id, first.data.id);
});

t.test('sign-up without a token: keys belong to the client address', async (t) => {
  const app = await build(t);
  const from = (remoteAddress: string) => call(app, { method: 'POST', url: '/v1/households', remoteAddress, headers: withKey({}), payload: { name: 'Home' } });
  const first = await from('198.51.100.7');
  const retry = await from('198.51.100.7');
  t.equal(retry.body, first.body, 'a retry from the same address gets the first answer (and the same token)');
  const elsewhere = await from('203.0.113.9');
  t.equal(elsewhere.statusCode, 201);
  t.notOk(elsewhere.headers['idempotent-replayed'], 'another address gets a household of its own');
  t.not(elsewhere.data.token.token, first.data.token.token);
});

t.test('a second request while the first is in flight is a 409', async (t) => {
  const app = await build(t);
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let claimed!: () => void;
  const held = new Promise<void>((resolve) => (claimed = resolve));
  // Runs after the key is claimed (the idempotency hook comes first): holds the first request there.
  app.addHook('preHandler', async (request) => {
    if (request.headers['x-test-hold']) {
      claimed();
      await gate;
    }
  });
  const family = await signUp(app);
  const payload = { nickname: 'Maya', birth: '2014-05' };
  const first = call(app, { method: 'POST', url: '/v1/children', headers: { ...withKey(bearer(family.token)), 'x-test-hold': '1' }, payload });
  await held;
  const during = await call(app, { method: 'POST', url: '/v1/children', headers: withKey(bearer(family.token)), payload });
  t.equal(during.statusCode, 409);
  t.match(during.data, { type: 'urn:guidepost:problem:idempotency-key-in-use', status: 409 });
  t.equal(during.headers['retry-after'], '1');
  const mismatched = await call(app, { method: 'POST', url: '/v1/children', headers: withKey(bearer(family.token)), payload: { ...payload, nickname: 'Noor' } });
  t.equal(mismatched.statusCode, 422, 'another body is a 422 even while the first runs');
  open();
  t.equal((await first).statusCode, 201);
  const after = await call(app, { method: 'POST', url: '/v1/children', headers: withKey(bearer(family.token)), payload });
  t.equal(after.headers['idempotent-replayed'], 'true', 'once answered, the answer is replayed');
  t.equal((await app.store.children.list(family.id, { limit: 10 })).items.length, 1);
});

t.test('failed requests are not kept: the key may be used again', async (t) => {
  const app = await build(t);
  const family = await signUp(app);
  const future = `${new Date().getUTCFullYear() + 1}`;
  const bad = await call(app, { method: 'POST', url: '/v1/children', headers: withKey(bearer(family.token)), payload: { nickname: 'Maya', birth: future } });
  t.equal(bad.statusCode, 400, 'a birth in the future is refused after the body passed its schema');
  const again = await call(app, { method: 'POST', url: '/v1/children', headers: withKey(bearer(family.token)), payload: { nickname: 'Maya', birth: future } });
  t.equal(again.statusCode, 400, 'the same failing request runs again');
  t.notOk(again.headers['idempotent-replayed']);
  const fixed = await call(app, { method: 'POST', url: '/v1/children', headers: withKey(bearer(family.token)), payload: { nickname: 'Maya', birth: '2014-05' } });
  t.equal(fixed.statusCode, 201, 'the corrected request goes ahead with the same key');

  const editor = await tokenFor(app, 'editor');
  await createTitle(app, editor, titleInput({ name: 'Held', externalIds: { imdb: 'tt0000042' } }));
  const clash = await call(app, { method: 'POST', url: '/v1/titles', headers: withKey(bearer(editor)), payload: titleInput({ name: 'Clash', externalIds: { imdb: 'tt0000042' } }) });
  t.equal(clash.statusCode, 409, 'a conflict');
  const retried = await call(app, { method: 'POST', url: '/v1/titles', headers: withKey(bearer(editor)), payload: titleInput({ name: 'Clash', externalIds: { imdb: 'tt0000042' } }) });
  t.equal(retried.statusCode, 409, 'is not kept either: the retry is judged afresh');
  t.equal(retried.data.type, 'urn:guidepost:problem:conflict');
});

t.test('a malformed key is a 400 naming the header', async (t) => {
  const app = await build(t);
  const family = await signUp(app);
  for (const key of ['short', 'x'.repeat(256), 'has a space in the middle of it', 'tab\tinside-the-key-here', '"unbalanced-quote-key-123', 'back\\slash-is-not-allowed-1', 'ünïcödé-is-not-ascii-at-all', '""']) {
    const res = await call(app, { method: 'POST', url: '/v1/children', headers: withKey(bearer(family.token), key), payload: { nickname: 'Maya', birth: '2014-05' } });
    t.equal(res.statusCode, 400, JSON.stringify(key));
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.match(res.data, { type: 'urn:guidepost:problem:validation', errors: [{ path: 'header.idempotency-key', message: /16–255 visible ASCII/ }] }, JSON.stringify(key));
  }
  t.equal((await app.store.children.list(family.id, { limit: 10 })).items.length, 0, 'nothing was created');
  const longest = await call(app, { method: 'POST', url: '/v1/children', headers: withKey(bearer(family.token), 'k'.repeat(255)), payload: { nickname: 'Maya', birth: '2014-05' } });
  t.equal(longest.statusCode, 201, '255 characters are fine');
  const without = await call(app, { method: 'POST', url: '/v1/children', headers: bearer(family.token), payload: { nickname: 'Maya', birth: '2014-05' } });
  t.equal(without.statusCode, 201, 'the header is optional');
});

t.test('keys expire after 24 hours, and expired keys are purged', async (t) => {
  const app = await build(t);
  const family = await signUp(app);
  const realNow = Date.now;
  t.teardown(() => {
    Date.now = realNow;
  });
  const payload = { nickname: 'Maya', birth: '2014-05' };
  const first = await call(app, { method: 'POST', url: '/v1/children', headers: withKey(bearer(family.token)), payload });
  Date.now = () => realNow() + 23 * 3600_000;
  t.equal((await call(app, { method: 'POST', url: '/v1/children', headers: withKey(bearer(family.token)), payload })).headers['idempotent-replayed'], 'true', 'kept for 23 hours');
  Date.now = () => realNow() + 24 * 3600_000 + 1000;
  const later = await call(app, { method: 'POST', url: '/v1/children', headers: withKey(bearer(family.token)), payload: { ...payload, nickname: 'Noor' } });
  t.equal(later.statusCode, 201, 'after 24 hours the key is free, even for another body');
  t.notOk(later.headers['idempotent-replayed']);
  t.not(later.data.id, first.data.id);

  // The store: an expired key is claimed afresh and purged.
  const store = app.store.idempotency;
  const at = (h: number) => new Date(Date.UTC(2030, 0, 1) + h * 3600_000).toISOString();
  const entry = (h: number) => ({ id: 'k1', fingerprint: 'f1', householdId: null, now: at(h), lockedUntil: at(h + 1 / 60), expiresAt: at(h + 24) });
  t.same(await store.claim(entry(0)), { claimed: true });
  t.same(await store.claim({ ...entry(0), fingerprint: 'f2' }), { claimed: false, record: { fingerprint: 'f1', response: null } }, 'in flight');
  t.same(await store.claim(entry(0.5)), { claimed: true }, 'a request that held its key past the lock (a crash) lets a retry take it over');
  await store.complete('k1', 'sealed', null);
  t.same(await store.claim(entry(23)), { claimed: false, record: { fingerprint: 'f1', response: 'sealed' } });
  await store.release('k1');
  t.same(await store.claim(entry(23)), { claimed: false, record: { fingerprint: 'f1', response: 'sealed' } }, 'release never drops a kept answer');
  t.equal(await store.purgeExpired(at(24.4)), 1, 'purged once expired');
  t.same(await store.claim(entry(25)), { claimed: true });
});

t.test('kept answers are sealed in the database and erased with their household', async (t) => {
  const database = freshDatabase(t);
  const app = await build(t, database);
  const signedUp = await call(app, { method: 'POST', url: '/v1/households', headers: withKey({}), payload: { name: 'Quirkyfamilyname' } });
  const token = signedUp.data.token.token;
  const child = await call(app, { method: 'POST', url: '/v1/children', headers: withKey(bearer(token)), payload: { nickname: 'Zebulonia', birth: '2014-05' } });
  t.equal(child.statusCode, 201);
  t.notOk(JSON.stringify(await contents(app.store)).includes(token), 'the sign-up answer is kept without its token in clear');
  if (BACKEND === 'sqlite') {
    // Nor anywhere in the file or its write-ahead log, which only SQLite lets a test read.
    const dir = dirname(database.DATABASE_URL);
    const files = readdirSync(dir).map((f) => readFileSync(join(dir, f)));
    t.notOk(files.some((bytes) => bytes.includes(Buffer.from(token))), 'nor in any byte of the database files');
  }

  const householdId = signedUp.data.household.id;
  t.equal(await app.store.households.footprint(householdId), 1 + 1 + 1 + 2, 'household, token, child and two kept answers');
  t.equal((await call(app, { method: 'DELETE', url: '/v1/households/me', headers: bearer(token) })).statusCode, 204);
  t.equal(await app.store.households.footprint(householdId), 0, 'the kept answers went with the household');
  const again = await call(app, { method: 'POST', url: '/v1/households', headers: withKey({}), payload: { name: 'Quirkyfamilyname' } });
  t.equal(again.statusCode, 201);
  t.notOk(again.headers['idempotent-replayed'], 'an erased household’s sign-up is not replayed');
  t.not(again.data.household.id, householdId);
});
