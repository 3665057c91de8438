import { Writable } from 'node:stream';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { testConfig } from '../backend.js';
import { advisory, bearer, birthForAge, build, call, createChild, createTitle, signUp, sixRatings, titleInput, tokenFor } from '../helper.js';

t.test('create, read, list, update with If-Match, delete', async (t) => {
  const app = await build(t);
  const { token } = await signUp(app);
  const res = await call(app, {
    method: 'POST',
    url: '/v1/children',
    headers: bearer(token),
    payload: { nickname: ' Maya ', birth: birthForAge(12), limits: { language: { max: 1 }, violence: { max: 2 }, messages: { min: 3 } } },
  });
  t.equal(res.statusCode, 201);
  t.equal(res.headers['cache-control'], 'no-store');
  t.equal(res.headers.etag, '"1"');
  const child = res.data;
  t.match(child, { id: /^ch_/, nickname: 'Maya', age: 12, ageRule: 'expert', unrated: 'block', certificationCeilings: {} });
  t.same(child.limits.language, { max: 1, source: 'parent' });
  t.same(child.limits.messages, { min: 3, source: 'parent' });
  t.same(child.limits.sex, { max: 2, source: 'preset' }, 'unset categories follow the preset for 12');
  t.same(child.limits.educational, { min: 0, source: 'preset' });
  t.equal(res.headers.location, `/v1/children/${child.id}`);

  const read = await call(app, { method: 'GET', url: `/v1/children/${child.id}`, headers: bearer(token) });
  t.same(read.data, child);
  await createChild(app, token, { nickname: 'Leo', birth: '2019' });
  const list = await call(app, { method: 'GET', url: '/v1/children?limit=1', headers: bearer(token) });
  t.equal(list.data.items.length, 1);
  const next = await call(app, { method: 'GET', url: `/v1/children?limit=1&cursor=${list.data.nextCursor}`, headers: bearer(token) });
  t.equal(next.data.items[0].nickname, 'Leo');
  t.equal(next.data.nextCursor, null);

  const patch = await call(app, {
    method: 'PATCH',
    url: `/v1/children/${child.id}`,
    headers: { ...bearer(token), 'if-match': '"1"' },
    payload: { limits: { sex: { max: 1 } }, ageRule: 'strictest', certificationCeilings: { MPA: 'PG-13' } },
  });
  t.equal(patch.statusCode, 200);
  t.equal(patch.headers.etag, '"2"');
  t.same(patch.data.limits.language, { max: 2, source: 'preset' }, 'limits are replaced as a whole');
  t.same(patch.data.limits.sex, { max: 1, source: 'parent' });
  t.match(patch.data, { ageRule: 'strictest', certificationCeilings: { MPA: 'PG-13' }, nickname: 'Maya' });
  const stale = await call(app, { method: 'PATCH', url: `/v1/children/${child.id}`, headers: { ...bearer(token), 'if-match': '"1"' }, payload: { nickname: 'Lost' } });
  t.equal(stale.statusCode, 412);
  const same = await call(app, { method: 'PATCH', url: `/v1/children/${child.id}`, headers: bearer(token), payload: { ageRule: 'strictest' } });
  t.equal(same.headers.etag, '"2"', 'a patch that changes nothing keeps the ETag');
  for (const [payload, path] of [
    [{ nickname: null }, 'nickname'],
    [{ birth: '2999-01' }, 'birth'],
    [{ colour: 'red' }, 'colour'],
    [{ limits: { language: { min: 2 } } }, 'limits.language'],
    [{}, 'body'],
  ] as const) {
    const bad = await call(app, { method: 'PATCH', url: `/v1/children/${child.id}`, headers: bearer(token), payload });
    t.equal(bad.statusCode, 400, JSON.stringify(payload));
    t.ok(bad.data.errors.some((e: { path: string }) => e.path.startsWith(path)), `${path}: ${JSON.stringify(bad.data.errors)}`);
  }
  t.equal((await call(app, { method: 'GET', url: `/v1/children/${child.id}`, headers: bearer(token) })).headers.etag, '"2"', 'no bad patch changed anything');

  t.equal((await call(app, { method: 'DELETE', url: `/v1/children/${child.id}`, headers: { ...bearer(token), 'if-match': '"1"' } })).statusCode, 412);
  t.equal((await call(app, { method: 'DELETE', url: `/v1/children/${child.id}`, headers: bearer(token) })).statusCode, 204);
  t.equal((await call(app, { method: 'GET', url: `/v1/children/${child.id}`, headers: bearer(token) })).statusCode, 404);
});

t.test('child validation: only the listed fields, limits of the right kind, a birth in the past', async (t) => {
  const app = await build(t);
  const { token } = await signUp(app);
  const cases: [Record<string, unknown>, string][] = [
    [{ birth: '2014-05' }, 'nickname'],
    [{ nickname: 'x'.repeat(41), birth: '2014' }, 'nickname'],
    [{ nickname: '\u200b', birth: '2014' }, 'nickname'],
    [{ nickname: 'Ma\u0000ya', birth: '2014' }, 'nickname'],
    [{ nickname: 'Maya', birth: '2014-5' }, 'birth'],
    [{ nickname: 'Maya', birth: '2014-13' }, 'birth'],
    [{ nickname: 'Maya', birth: '2014-05-03' }, 'birth'],
    [{ nickname: 'Maya', birth: '2999' }, 'birth'],
    [{ nickname: 'Maya', birth: '1950' }, 'birth'],
    [{ nickname: 'Maya', birth: '2014', school: 'Elm Street' }, 'school'],
    [{ nickname: 'Maya', birth: '2014', limits: { language: { min: 1 } } }, 'limits.language'],
    [{ nickname: 'Maya', birth: '2014', limits: { messages: { max: 1 } } }, 'limits.messages'],
    [{ nickname: 'Maya', birth: '2014', limits: { language: { max: 6 } } }, 'limits.language.max'],
    [{ nickname: 'Maya', birth: '2014', limits: { scariness: { max: 1 } } }, 'limits.scariness'],
    [{ nickname: 'Maya', birth: '2014', ageRule: 'lenient' }, 'ageRule'],
    [{ nickname: 'Maya', birth: '2014', unrated: 'maybe' }, 'unrated'],
    [{ nickname: 'Maya', birth: '2014', certificationCeilings: { MPA: 'Open' } }, 'certificationCeilings.MPA'],
    [{ nickname: 'Maya', birth: '2014', certificationCeilings: { CSM: '12' } }, 'certificationCeilings.CSM'],
  ];
  for (const [payload, path] of cases) {
    const res = await call(app, { method: 'POST', url: '/v1/children', headers: bearer(token), payload });
    t.equal(res.statusCode, 400, JSON.stringify(payload));
    t.ok(res.data.errors?.some((e: { path: string }) => e.path.startsWith(path)), `${path} in ${JSON.stringify(res.data.errors)}`);
  }
  t.equal((await call(app, { method: 'GET', url: '/v1/children', headers: bearer(token) })).data.items.length, 0, 'nothing was stored');
});

t.test('GET /v1/presets: every age 2–18', async (t) => {
  const app = await build(t);
  const res = await call(app, { method: 'GET', url: '/v1/presets' });
  t.equal(res.statusCode, 200);
  t.same(res.data.items.map((i: { age: number }) => i.age), Array.from({ length: 17 }, (_, i) => i + 2));
  t.same(res.data.items[3].limits.language, { max: 1 });
  t.same(res.data.items[3].limits.messages, { min: 0 });
});

t.test('per-child verdicts: single and batch, order kept, unknowns as items', async (t) => {
  const app = await build(t, { GUIDEPOST_DEMO: true });
  const { token } = await signUp(app);
  const maya = await createChild(app, token, { birth: birthForAge(12), limits: { language: { max: 1 }, violence: { max: 2 }, messages: { min: 3 } } });

  const her = await call(app, { method: 'GET', url: `/v1/children/${maya.id}/verdicts/imdb:tt1798709`, headers: bearer(token) });
  t.equal(her.statusCode, 200);
  t.equal(her.headers['cache-control'], 'no-store');
  t.match(her.data, { ref: 'imdb:tt1798709', status: 'blocked', allowed: false, age: 16, forAge: 12, decidedBy: 'expert' });
  t.same(
    her.data.reasons.map((r: { code: string; category: string | null }) => [r.code, r.category]),
    [
      ['age', null],
      ['category', 'language'],
      ['category', 'sex'],
    ],
  );
  t.match(her.data.reasons[1], { limit: 1, value: 3, note: /swearing/i });
  t.notMatch(her.body, /Maya/, 'verdicts never carry the nickname');

  const demo = await call(app, { method: 'GET', url: '/v1/titles?limit=50' });
  const refs = demo.data.items.map((i: { id: string }) => i.id);
  const batch = await call(app, {
    method: 'POST',
    url: `/v1/children/${maya.id}/verdicts`,
    headers: bearer(token),
    payload: { titles: [...refs.slice(0, 10), 'imdb:tt0000001', 'imdb:tt1798709', refs[0]] },
  });
  t.equal(batch.statusCode, 200);
  t.equal(batch.data.items.length, 13);
  t.same(batch.data.items.slice(0, 10).map((i: { title: { id: string } }) => i.title.id), refs.slice(0, 10), 'order kept');
  t.match(batch.data.items[10], { ref: 'imdb:tt0000001', status: 'unknown', allowed: false, title: null });
  t.match(batch.data.items[11], { ref: 'imdb:tt1798709', status: 'blocked' });
  t.same(batch.data.items[12], batch.data.items[0], 'a repeated reference gets the same answer');
  for (const [i, ref] of refs.slice(0, 10).entries()) {
    const single = await call(app, { method: 'GET', url: `/v1/children/${maya.id}/verdicts/${ref}`, headers: bearer(token) });
    t.same(single.data, batch.data.items[i], `batch and single agree on ${ref}`);
  }

  const tooMany = await call(app, { method: 'POST', url: `/v1/children/${maya.id}/verdicts`, headers: bearer(token), payload: { titles: Array(101).fill(refs[0]) } });
  t.equal(tooMany.statusCode, 400);
  const empty = await call(app, { method: 'POST', url: `/v1/children/${maya.id}/verdicts`, headers: bearer(token), payload: { titles: [] } });
  t.equal(empty.statusCode, 400);
  const malformed = await call(app, {
    method: 'POST',
    url: `/v1/children/${maya.id}/verdicts`,
    headers: bearer(token),
    payload: { titles: [refs[0], 'not a ref', 'isbn:0-316-76948-7'] },
  });
  t.equal(malformed.statusCode, 200, 'one bad reference does not fail the batch');
  t.match(malformed.data.items[1], { ref: 'not a ref', status: 'unknown', message: /Not a title reference/ });
  t.match(malformed.data.items[2], { ref: 'isbn:9780316769488', title: { name: 'The Catcher in the Rye' } }, 'references come back normalised');
});

t.test('overrides: allow a blocked film until Sunday, block an allowed one, expired ones marked', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const grown = await createTitle(app, editor, titleInput({ name: 'Grown-up', advisory: advisory({ ageRecommendation: 16 }) }));
  const gentle = await createTitle(app, editor, titleInput({ name: 'Gentle', advisory: advisory({ ageRecommendation: 4, ratings: sixRatings(0) }) }));
  const { token } = await signUp(app);
  const maya = await createChild(app, token, { birth: birthForAge(12) });
  const verdict = async (id: string) => (await call(app, { method: 'GET', url: `/v1/children/${maya.id}/verdicts/${id}`, headers: bearer(token) })).data;
  t.equal((await verdict(grown.id)).status, 'blocked');
  t.equal((await verdict(gentle.id)).status, 'ok');

  const sunday = new Date(Date.now() + 5 * 86_400_000).toISOString();
  const allow = await call(app, {
    method: 'PUT',
    url: `/v1/children/${maya.id}/overrides/${grown.id}`,
    headers: bearer(token),
    payload: { decision: 'allow', note: 'with us, on Saturday', expiresAt: sunday },
  });
  t.equal(allow.statusCode, 201);
  t.match(allow.data, { title: { id: grown.id, name: 'Grown-up' }, decision: 'allow', expiresAt: sunday, expired: false });
  const allowed = await verdict(grown.id);
  t.match(allowed, { status: 'ok', allowed: true, decidedBy: 'override' });
  t.same(allowed.reasons.map((r: { code: string }) => r.code), ['override', 'age'], 'the rules still show');

  const block = await call(app, { method: 'PUT', url: `/v1/children/${maya.id}/overrides/${gentle.id}`, headers: bearer(token), payload: { decision: 'block' } });
  t.equal(block.statusCode, 201);
  t.equal(block.headers.etag, '"1"');
  t.match(await verdict(gentle.id), { status: 'blocked', decidedBy: 'override' });
  const one = await call(app, { method: 'GET', url: `/v1/children/${maya.id}/overrides/${gentle.id}`, headers: bearer(token) });
  t.equal(one.statusCode, 200);
  t.equal(one.headers.etag, '"1"');
  t.match(one.data, { decision: 'block', title: { name: 'Gentle' } });
  const stalePut = await call(app, {
    method: 'PUT',
    url: `/v1/children/${maya.id}/overrides/${gentle.id}`,
    headers: { ...bearer(token), 'if-match': '"9"' },
    payload: { decision: 'allow' },
  });
  t.equal(stalePut.statusCode, 412);
  const replaced = await call(app, {
    method: 'PUT',
    url: `/v1/children/${maya.id}/overrides/${gentle.id}`,
    headers: { ...bearer(token), 'if-match': '"1"' },
    payload: { decision: 'block', note: 'nightmares' },
  });
  t.equal(replaced.statusCode, 200);
  t.equal(replaced.headers.etag, '"2"');
  t.equal((await call(app, { method: 'DELETE', url: `/v1/children/${maya.id}/overrides/${gentle.id}`, headers: { ...bearer(token), 'if-match': '"1"' } })).statusCode, 412);

  const past = await call(app, {
    method: 'PUT',
    url: `/v1/children/${maya.id}/overrides/${gentle.id}`,
    headers: bearer(token),
    payload: { decision: 'allow', expiresAt: '2020-01-01T00:00:00Z' },
  });
  t.equal(past.statusCode, 400);
  t.equal(past.data.errors[0].path, 'expiresAt');
  t.equal((await call(app, { method: 'PUT', url: `/v1/children/${maya.id}/overrides/${gentle.id}`, headers: bearer(token), payload: { decision: 'maybe' } })).statusCode, 400);
  t.equal((await call(app, { method: 'PUT', url: `/v1/children/${maya.id}/overrides/imdb:tt0000001`, headers: bearer(token), payload: { decision: 'allow' } })).statusCode, 404);

  // An expired override is listed as expired and no longer decides.
  await app.store.overrides.put(maya.id, grown.id, { decision: 'allow', note: null, expiresAt: '2020-01-01T00:00:00.000Z' });
  const list = await call(app, { method: 'GET', url: `/v1/children/${maya.id}/overrides`, headers: bearer(token) });
  t.equal(list.statusCode, 200);
  t.same(
    list.data.items.map((o: { title: { name: string }; expired: boolean }) => [o.title.name, o.expired]).sort(),
    [
      ['Gentle', false],
      ['Grown-up', true],
    ],
  );
  t.match(await verdict(grown.id), { status: 'blocked', decidedBy: 'expert' });

  t.equal((await call(app, { method: 'DELETE', url: `/v1/children/${maya.id}/overrides/${gentle.id}`, headers: bearer(token) })).statusCode, 204);
  t.equal((await call(app, { method: 'DELETE', url: `/v1/children/${maya.id}/overrides/${gentle.id}`, headers: bearer(token) })).statusCode, 404);
  t.equal((await call(app, { method: 'GET', url: `/v1/children/${maya.id}/overrides/${gentle.id}`, headers: bearer(token) })).statusCode, 404);
  t.equal((await verdict(gentle.id)).status, 'ok');

  // Deleting the child deletes its overrides.
  t.equal((await call(app, { method: 'DELETE', url: `/v1/children/${maya.id}`, headers: bearer(token) })).statusCode, 204);
  t.equal((await app.store.overrides.forTitles(maya.id)).size, 0);
});

t.test("the child's catalogue lists what the child may watch", async (t) => {
  const app = await build(t, { GUIDEPOST_DEMO: true });
  const { token } = await signUp(app);
  const maya = await createChild(app, token, { birth: birthForAge(12), limits: { language: { max: 1 }, violence: { max: 2 }, messages: { min: 3 } } });
  const res = await call(app, { method: 'GET', url: `/v1/children/${maya.id}/titles?limit=100`, headers: bearer(token) });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['cache-control'], 'no-store');
  t.ok(res.data.items.length > 0);
  t.notOk(res.data.items.some((i: { name: string }) => i.name === 'Her'));
  const movies = await call(app, { method: 'GET', url: `/v1/children/${maya.id}/titles?kind=movie&sort=age&limit=3`, headers: bearer(token) });
  t.ok(movies.data.items.every((i: { kind: string }) => i.kind === 'movie'));
  const bad = await call(app, { method: 'GET', url: `/v1/children/${maya.id}/titles?limit=3&cursor=${movies.data.nextCursor}`, headers: bearer(token) });
  t.equal(bad.statusCode, 400, 'a cursor from other filters is refused');
});

t.test('isolation: another household, editors and admins never reach a child', async (t) => {
  const app = await build(t, { GUIDEPOST_DEMO: true });
  const owner = await signUp(app);
  const stranger = await signUp(app);
  const maya = await createChild(app, owner.token);
  const her = 'imdb:tt1798709';
  await call(app, { method: 'PUT', url: `/v1/children/${maya.id}/overrides/${her}`, headers: bearer(owner.token), payload: { decision: 'allow' } });
  const routes: [string, string, object?][] = [
    ['GET', `/v1/children/${maya.id}`],
    ['PATCH', `/v1/children/${maya.id}`, { nickname: 'Taken' }],
    ['DELETE', `/v1/children/${maya.id}`],
    ['GET', `/v1/children/${maya.id}/verdicts/${her}`],
    ['POST', `/v1/children/${maya.id}/verdicts`, { titles: [her] }],
    ['GET', `/v1/children/${maya.id}/titles`],
    ['GET', `/v1/children/${maya.id}/overrides`],
    ['PUT', `/v1/children/${maya.id}/overrides/${her}`, { decision: 'block' }],
    ['DELETE', `/v1/children/${maya.id}/overrides/${her}`],
  ];
  const missing = await call(app, { method: 'GET', url: '/v1/children/ch_doesnotexist00000000', headers: bearer(stranger.token) });
  for (const [method, url, payload] of routes) {
    const res = await call(app, { method: method as 'GET', url, headers: bearer(stranger.token), ...(payload && { payload }) });
    t.equal(res.statusCode, 404, `foreign ${method} ${url}`);
    t.same({ ...res.data, detail: '' }, { ...missing.data, detail: '' }, 'exactly like a missing id');
    t.notMatch(res.body, /Maya/);
  }
  for (const role of ['editor', 'admin'] as const) {
    const staff = await tokenFor(app, role);
    for (const [method, url, payload] of routes) {
      const res = await call(app, { method: method as 'GET', url, headers: bearer(staff), ...(payload && { payload }) });
      t.equal(res.statusCode, 403, `${role} ${method} ${url}`);
    }
    t.equal((await call(app, { method: 'GET', url: '/v1/children', headers: bearer(staff) })).statusCode, 403);
  }
  t.equal((await call(app, { method: 'GET', url: '/v1/children' })).statusCode, 401);
  const own = await call(app, { method: 'GET', url: `/v1/children/${maya.id}`, headers: bearer(owner.token) });
  t.match(own.data, { nickname: 'Maya' }, 'nothing changed for the owner');
  t.equal((await call(app, { method: 'GET', url: '/v1/children', headers: bearer(stranger.token) })).data.items.length, 0);
});

t.test('nicknames never reach the logs', async (t) => {
  let logs = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      logs += chunk;
      done();
    },
  });
  const app = await buildApp(testConfig({ LOG_LEVEL: 'trace' }), { logStream: stream });
  t.teardown(() => app.close());
  const { token } = await signUp(app);
  const child = await createChild(app, token, { nickname: 'Zebulon-Secret' });
  await call(app, { method: 'PATCH', url: `/v1/children/${child.id}`, headers: bearer(token), payload: { nickname: 'Quixote-Secret' } });
  await call(app, { method: 'POST', url: '/v1/children', headers: bearer(token), payload: { nickname: 'Bad-Secret', birth: 'never' } });
  await call(app, { method: 'GET', url: `/v1/households/me/export`, headers: bearer(token) });
  t.ok(logs.includes('incoming request'), 'requests were logged');
  t.notMatch(logs, /Secret/);
  t.notMatch(logs, new RegExp(token), 'tokens are not logged either');
});

t.test('a missing child is the answer before a missing title, single and batch alike', async (t) => {
  const app = await build(t);
  const { token } = await signUp(app);
  const missing = 'ch_00000000000000000000';
  const single = await call(app, { method: 'GET', url: `/v1/children/${missing}/verdicts/imdb:tt0000001`, headers: bearer(token) });
  t.equal(single.statusCode, 404);
  t.equal(single.data.detail, `No child has the id ${missing}.`);
  const batch = await call(app, { method: 'POST', url: `/v1/children/${missing}/verdicts`, headers: bearer(token), payload: { titles: ['imdb:tt0000001'] } });
  t.equal(batch.statusCode, 404);
  t.equal(batch.data.detail, `No child has the id ${missing}.`);
  const maya = await createChild(app, token, { nickname: 'Maya', birth: birthForAge(12) });
  const title = await call(app, { method: 'GET', url: `/v1/children/${maya.id}/verdicts/imdb:tt0000001`, headers: bearer(token) });
  t.equal(title.statusCode, 404);
  t.equal(title.data.detail, 'No title matches imdb:tt0000001.');

  // A title that exists changes nothing: the child is looked for with it, and not found.
  const existing = await createTitle(app, await tokenFor(app, 'editor'), titleInput());
  const other = await signUp(app);
  for (const [childId, who] of [[missing, 'no child'], [maya.id, "another household's child"]] as const) {
    const res = await call(app, { method: 'GET', url: `/v1/children/${childId}/verdicts/${existing.id}`, headers: bearer(who === 'no child' ? token : other.token) });
    t.equal(res.statusCode, 404, `${who}, an existing title`);
    t.equal(res.data.detail, `No child has the id ${childId}.`);
  }
});
