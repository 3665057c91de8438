import t from 'tap';
import { bearer, birthForAge, build, call, createChild, createTitle, signUp, titleInput, tokenFor } from '../helper.js';

const review = (over: Record<string, unknown> = {}) => ({ by: 'parent', ageRating: 12, stars: 4, headline: 'Fine for tweens', body: 'We watched it together.', ...over });

t.test('parent and kid reviews: one each per title, public output without names or accounts', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const title = await createTitle(app, editor, titleInput());
  const family = await signUp(app);
  const maya = await createChild(app, family.token, { nickname: 'MayaSecret', birth: birthForAge(12) });

  const parent = await call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, headers: bearer(family.token), payload: review() });
  t.equal(parent.statusCode, 201);
  t.match(parent.data, { id: /^rv_/, by: 'parent', author: 'Parent', ageRating: 12, stars: 4, helpful: 0, hidden: false, mine: true });
  t.equal(parent.headers.location, `/v1/reviews/${parent.data.id}`);
  const kid = await call(app, {
    method: 'POST',
    url: `/v1/titles/${title.id}/reviews`,
    headers: bearer(family.token),
    payload: review({ by: 'kid', childId: maya.id, ageRating: 10, headline: '<b>so good</b>' }),
  });
  t.equal(kid.statusCode, 201);
  t.match(kid.data, { by: 'kid', author: 'Kid, age 12', headline: '<b>so good</b>' }, 'text is stored and returned as given');
  t.match(kid.headers['content-type'], /^application\/json/, 'and only ever inside JSON');

  const again = await call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, headers: bearer(family.token), payload: review() });
  t.equal(again.statusCode, 409);
  t.match(again.data.detail, `/v1/reviews/${parent.data.id}`);
  const kidAgain = await call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, headers: bearer(family.token), payload: review({ by: 'kid', childId: maya.id }) });
  t.equal(kidAgain.statusCode, 409);

  const list = await call(app, { method: 'GET', url: `/v1/titles/${title.id}/reviews` });
  t.equal(list.statusCode, 200);
  t.equal(list.data.items.length, 2);
  t.ok(list.data.items.every((r: { mine: boolean }) => !r.mine), 'nobody is "mine" to an anonymous reader');
  t.notMatch(list.body, /MayaSecret/);
  t.notMatch(list.body, new RegExp(family.id), 'no household id in public output');
  t.notMatch(list.body, new RegExp(maya.id), 'no child id either');
  t.same((await call(app, { method: 'GET', url: `/v1/titles/${title.id}/reviews?by=kid` })).data.items.map((r: { by: string }) => r.by), ['kid']);

  const detail = await call(app, { method: 'GET', url: `/v1/titles/${title.id}` });
  t.match(detail.data.community.parents, { count: 1, medianAge: 12, meanStars: 4 });
  t.match(detail.data.community.kids, { count: 1, medianAge: 10 });

  for (const [payload, path] of [
    [review({ ageRating: 1 }), 'ageRating'],
    [review({ stars: 6 }), 'stars'],
    [review({ headline: 'x'.repeat(121) }), 'headline'],
    [review({ body: 'x'.repeat(4001) }), 'body'],
    [review({ by: 'kid' }), 'childId'],
    [review({ childId: maya.id }), 'childId'],
    [review({ rating: 3 }), 'rating'],
    [review({ headline: '   ' }), 'headline'],
    [review({ body: 'broken \ud800 text' }), 'body'],
  ] as const) {
    const bad = await call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, headers: bearer(family.token), payload });
    t.equal(bad.statusCode, 400, path);
    t.ok(bad.data.errors.some((e: { path: string }) => e.path === path), `${path}: ${JSON.stringify(bad.data.errors)}`);
  }
  const stranger = await signUp(app);
  const foreignKid = await call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, headers: bearer(stranger.token), payload: review({ by: 'kid', childId: maya.id }) });
  t.equal(foreignKid.statusCode, 404, "another household's child cannot be named");
  t.equal((await call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, headers: bearer(editor), payload: review() })).statusCode, 403);
  t.equal((await call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, payload: review() })).statusCode, 401);
});

t.test('the author changes or deletes a review; others cannot', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const title = await createTitle(app, editor, titleInput());
  const author = await signUp(app);
  const other = await signUp(app);
  const created = (await call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, headers: bearer(author.token), payload: review() })).data;
  const patched = await call(app, { method: 'PATCH', url: `/v1/reviews/${created.id}`, headers: bearer(author.token), payload: { stars: 2, ageRating: 14 } });
  t.equal(patched.statusCode, 200);
  t.match(patched.data, { stars: 2, ageRating: 14, headline: 'Fine for tweens' });
  t.equal((await call(app, { method: 'PATCH', url: `/v1/reviews/${created.id}`, headers: bearer(other.token), payload: { stars: 5 } })).statusCode, 403);
  t.equal((await call(app, { method: 'PATCH', url: `/v1/reviews/${created.id}`, headers: bearer(author.token), payload: {} })).statusCode, 400);
  t.equal((await call(app, { method: 'DELETE', url: `/v1/reviews/${created.id}`, headers: bearer(other.token) })).statusCode, 403);
  t.equal((await call(app, { method: 'DELETE', url: `/v1/reviews/${created.id}`, headers: bearer(author.token) })).statusCode, 204);
  t.equal((await call(app, { method: 'GET', url: `/v1/reviews/${created.id}` })).statusCode, 404);
  t.equal((await call(app, { method: 'GET', url: `/v1/titles/${title.id}` })).data.community.parents.count, 0);
});

t.test('helpful marks: once per household, never your own; the helpful sort', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const title = await createTitle(app, editor, titleInput());
  const families = [await signUp(app), await signUp(app), await signUp(app)];
  const ids: string[] = [];
  for (const f of families) ids.push((await call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, headers: bearer(f.token), payload: review() })).data.id);
  const mark = (f: number, r: number) => call(app, { method: 'POST', url: `/v1/reviews/${ids[r]}/helpful`, headers: bearer(families[f]!.token) });
  t.equal((await mark(1, 0)).statusCode, 201);
  t.equal((await mark(1, 0)).statusCode, 409, 'once');
  t.equal((await mark(0, 0)).statusCode, 403, 'not your own');
  t.equal((await mark(2, 0)).data.helpful, 2);
  t.equal((await mark(0, 2)).statusCode, 201);
  const helpful = await call(app, { method: 'GET', url: `/v1/titles/${title.id}/reviews?sort=helpful&limit=1` });
  t.equal(helpful.data.items[0].id, ids[0]);
  const second = await call(app, { method: 'GET', url: `/v1/titles/${title.id}/reviews?sort=helpful&limit=1&cursor=${helpful.data.nextCursor}` });
  t.equal(second.data.items[0].id, ids[2]);
  t.equal((await call(app, { method: 'DELETE', url: `/v1/reviews/${ids[0]}/helpful`, headers: bearer(families[1]!.token) })).statusCode, 204);
  t.equal((await call(app, { method: 'DELETE', url: `/v1/reviews/${ids[0]}/helpful`, headers: bearer(families[1]!.token) })).statusCode, 404);
  t.equal((await call(app, { method: 'GET', url: `/v1/reviews/${ids[0]}` })).data.helpful, 1);
  const foreign = await call(app, { method: 'GET', url: `/v1/titles/${title.id}/reviews?sort=newest&cursor=${helpful.data.nextCursor}` });
  t.equal(foreign.statusCode, 400, 'a cursor from another sort is refused');
});

t.test('community statistics through the API, against hand-computed values', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const title = await createTitle(app, editor, titleInput());
  // Parents: ages 16 10 14 12 with stars 5 4 4 2 -> sorted 10 12 14 16: median 13, p25 11.5, p75 14.5, mean 3.75.
  const parents = [];
  for (const [ageRating, stars] of [
    [16, 5],
    [10, 4],
    [14, 4],
    [12, 2],
  ]) {
    const f = await signUp(app);
    parents.push(f);
    await call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, headers: bearer(f.token), payload: review({ ageRating, stars }) });
  }
  const stats = async () => (await call(app, { method: 'GET', url: `/v1/titles?q=test` })).data.items[0].community;
  t.match((await stats()).parents, { count: 4, medianAge: 13, p25Age: 11.5, p75Age: 14.5, meanStars: 3.75 });
  t.same((await stats()).parents.histogram.filter((h: { count: number }) => h.count).map((h: { age: number }) => h.age), [10, 12, 14, 16]);
  t.match((await stats()).kids, { count: 0, medianAge: null });

  // Hiding the 16 drops it from the statistics at once: 10 12 14 -> median 12, p25 11, p75 13.
  const list = await call(app, { method: 'GET', url: `/v1/titles/${title.id}/reviews` });
  const sixteen = list.data.items.find((r: { ageRating: number }) => r.ageRating === 16);
  const hidden = await call(app, { method: 'POST', url: `/v1/reviews/${sixteen.id}/hide`, headers: bearer(editor) });
  t.equal(hidden.data.hidden, true);
  t.match((await stats()).parents, { count: 3, medianAge: 12, p25Age: 11, p75Age: 13, meanStars: 3.33 });
  t.equal((await call(app, { method: 'GET', url: `/v1/titles/${title.id}/reviews` })).data.items.length, 3, 'and from lists');
  t.equal((await call(app, { method: 'GET', url: `/v1/reviews/${sixteen.id}` })).statusCode, 404, 'hidden from the public');
  t.equal((await call(app, { method: 'GET', url: `/v1/reviews/${sixteen.id}`, headers: bearer(parents[0]!.token) })).statusCode, 200, 'but not from its author');
  t.equal((await call(app, { method: 'GET', url: `/v1/reviews/${sixteen.id}`, headers: bearer(editor) })).statusCode, 200, 'nor from editors');
  await call(app, { method: 'POST', url: `/v1/reviews/${sixteen.id}/restore`, headers: bearer(editor) });
  t.equal((await stats()).parents.count, 4);

  // Deleting a household removes its review, and the statistics follow.
  await call(app, { method: 'DELETE', url: '/v1/households/me', headers: bearer(parents[1]!.token) });
  t.match((await stats()).parents, { count: 3, medianAge: 14, p25Age: 13, p75Age: 15 });
});

t.test('the strictest age rule counts the parents once there are enough of them', async (t) => {
  const app = await build(t, { COMMUNITY_MIN_REVIEWS: 3 });
  const editor = await tokenFor(app, 'editor');
  const title = await createTitle(app, editor, titleInput({ certifications: [{ system: 'MPA', rating: 'PG' }] }));
  const family = await signUp(app);
  const kid = await createChild(app, family.token, { birth: birthForAge(10), ageRule: 'strictest' });
  const verdict = async () => (await call(app, { method: 'GET', url: `/v1/children/${kid.id}/verdicts/${title.id}`, headers: bearer(family.token) })).data;
  t.match(await verdict(), { status: 'ok', decidedBy: 'certification', age: 8 });
  for (const age of [13, 13]) {
    const f = await signUp(app);
    await call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, headers: bearer(f.token), payload: review({ ageRating: age }) });
  }
  t.match(await verdict(), { status: 'ok' }, 'two parents are not enough');
  const f = await signUp(app);
  await call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, headers: bearer(f.token), payload: review({ ageRating: 12 }) });
  const v = await verdict();
  t.match(v, { status: 'blocked', decidedBy: 'community', age: 13 });
  t.match(v.reasons[0].message, /The 3 parents who reviewed/);
  const listed = await call(app, { method: 'GET', url: `/v1/children/${kid.id}/titles`, headers: bearer(family.token) });
  t.same(listed.data.items, [], 'the child catalogue agrees');
});

t.test('flags and the moderation queue', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const title = await createTitle(app, editor, titleInput());
  const a = await signUp(app);
  const b = await signUp(app);
  const rv = (await call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, headers: bearer(a.token), payload: review() })).data;

  const first = await call(app, { method: 'POST', url: `/v1/titles/${title.id}/flags`, headers: bearer(b.token), payload: { reason: 'rating-too-low', category: 'violence', note: 'The battle is bloody.' } });
  t.equal(first.statusCode, 201);
  t.match(first.data, { target: { kind: 'title', titleId: title.id, reviewId: null }, reason: 'rating-too-low', category: 'violence', status: 'open' });
  t.notMatch(first.body, new RegExp(b.id), 'a flag never shows who raised it');
  t.equal((await call(app, { method: 'POST', url: `/v1/titles/${title.id}/flags`, headers: bearer(b.token), payload: { reason: 'other' } })).statusCode, 409, 'one open flag per target');
  const second = await call(app, { method: 'POST', url: `/v1/reviews/${rv.id}/flags`, headers: bearer(b.token), payload: { reason: 'spoiler' } });
  t.equal(second.statusCode, 201);
  t.equal((await call(app, { method: 'POST', url: `/v1/reviews/${rv.id}/flags`, headers: bearer(b.token), payload: { reason: 'rating-too-low' } })).statusCode, 400, 'review reasons only');
  t.equal((await call(app, { method: 'POST', url: `/v1/titles/${title.id}/flags`, headers: bearer(a.token), payload: { reason: 'inaccurate', category: 'scariness' } })).statusCode, 400);
  t.equal((await call(app, { method: 'POST', url: `/v1/titles/${title.id}/flags`, headers: bearer(a.token), payload: { reason: 'other', note: 'x'.repeat(1001) } })).statusCode, 400);

  t.equal((await call(app, { method: 'GET', url: '/v1/flags', headers: bearer(a.token) })).statusCode, 403, 'households do not see the queue');
  const queue = await call(app, { method: 'GET', url: '/v1/flags?status=open', headers: bearer(editor) });
  t.same(queue.data.items.map((f: { id: string }) => f.id), [first.data.id, second.data.id], 'oldest first');
  t.same((await call(app, { method: 'GET', url: '/v1/flags?status=open&target=review', headers: bearer(editor) })).data.items.map((f: { id: string }) => f.id), [second.data.id]);

  const resolved = await call(app, { method: 'PATCH', url: `/v1/flags/${first.data.id}`, headers: bearer(editor), payload: { status: 'resolved', note: 'Violence raised to 4.' } });
  t.match(resolved.data, { status: 'resolved', resolutionNote: 'Violence raised to 4.', resolvedAt: /Z$/ });
  t.equal((await call(app, { method: 'PATCH', url: `/v1/flags/${first.data.id}`, headers: bearer(editor), payload: { status: 'dismissed', note: 'x' } })).statusCode, 409);
  t.equal((await call(app, { method: 'PATCH', url: '/v1/flags/fl_nothing', headers: bearer(editor), payload: { status: 'dismissed', note: 'x' } })).statusCode, 404);
  t.equal((await call(app, { method: 'PATCH', url: `/v1/flags/${second.data.id}`, headers: bearer(editor), payload: { status: 'dismissed' } })).statusCode, 400, 'a flag is closed with a note');
  t.equal((await call(app, { method: 'POST', url: `/v1/reviews/${rv.id}/flags`, headers: bearer(a.token), payload: { reason: 'spam' } })).statusCode, 403, 'not your own review');
  t.equal((await call(app, { method: 'POST', url: `/v1/titles/${title.id}/flags`, headers: bearer(b.token), payload: { reason: 'other' } })).statusCode, 201, 'a closed flag frees the target');
  const dismissed = await call(app, { method: 'PATCH', url: `/v1/flags/${second.data.id}`, headers: bearer(editor), payload: { status: 'dismissed', note: 'Not a spoiler.' } });
  t.equal(dismissed.data.status, 'dismissed');
  t.same((await call(app, { method: 'GET', url: '/v1/flags?status=open', headers: bearer(editor) })).data.items.length, 1);

  const exported = await call(app, { method: 'GET', url: '/v1/households/me/export', headers: bearer(b.token) });
  t.equal(exported.data.flags.length, 3);
  await call(app, { method: 'DELETE', url: '/v1/households/me', headers: bearer(b.token) });
  t.equal((await call(app, { method: 'GET', url: '/v1/flags', headers: bearer(editor) })).data.items.length, 0, "a deleted household's flags go with it");
});

t.test('a hidden review stays hidden: its author can neither change nor delete it', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const title = await createTitle(app, editor, titleInput());
  const author = await signUp(app);
  const voter = await signUp(app);
  const created = await call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, headers: bearer(author.token), payload: review() });
  t.equal(created.headers.etag, '"1"');
  t.equal((await call(app, { method: 'GET', url: `/v1/reviews/${created.data.id}` })).headers.vary, 'Authorization');
  const stale = await call(app, { method: 'PATCH', url: `/v1/reviews/${created.data.id}`, headers: { ...bearer(author.token), 'if-match': '"7"' }, payload: { stars: 1 } });
  t.equal(stale.statusCode, 412);
  const fresh = await call(app, { method: 'PATCH', url: `/v1/reviews/${created.data.id}`, headers: { ...bearer(author.token), 'if-match': '"1"' }, payload: { stars: 1 } });
  t.equal(fresh.headers.etag, '"2"');
  t.equal((await call(app, { method: 'DELETE', url: `/v1/reviews/${created.data.id}`, headers: { ...bearer(author.token), 'if-match': '"1"' } })).statusCode, 412);
  await call(app, { method: 'POST', url: `/v1/reviews/${created.data.id}/helpful`, headers: bearer(voter.token) });
  await call(app, { method: 'POST', url: `/v1/reviews/${created.data.id}/flags`, headers: bearer(voter.token), payload: { reason: 'spam' } });
  t.equal((await call(app, { method: 'POST', url: `/v1/reviews/${created.data.id}/hide`, headers: bearer(voter.token) })).statusCode, 403, 'households do not moderate');
  t.equal((await call(app, { method: 'POST', url: '/v1/reviews/rv_nothing/hide', headers: bearer(editor) })).statusCode, 404);
  await call(app, { method: 'POST', url: `/v1/reviews/${created.data.id}/hide`, headers: bearer(editor) });
  t.equal((await call(app, { method: 'DELETE', url: `/v1/reviews/${created.data.id}`, headers: bearer(author.token) })).statusCode, 403);
  t.equal((await call(app, { method: 'PATCH', url: `/v1/reviews/${created.data.id}`, headers: bearer(author.token), payload: { stars: 5 } })).statusCode, 403);
  t.equal((await call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, headers: bearer(author.token), payload: review() })).statusCode, 409, 'nor post it again');
  t.equal((await call(app, { method: 'POST', url: `/v1/reviews/${created.data.id}/helpful`, headers: bearer(voter.token) })).statusCode, 404, 'no marks on a hidden review');
  t.equal((await call(app, { method: 'DELETE', url: `/v1/reviews/${created.data.id}/helpful`, headers: bearer(voter.token) })).statusCode, 204, 'but a mark may be taken back');
  t.equal((await call(app, { method: 'GET', url: '/v1/flags?status=open', headers: bearer(editor) })).data.items.length, 1, 'its flag stays in the queue');
});

t.test('a title ETag follows its community figures', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const title = await createTitle(app, editor, titleInput());
  const before = await call(app, { method: 'GET', url: `/v1/titles/${title.id}` });
  const family = await signUp(app);
  await call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, headers: bearer(family.token), payload: review() });
  const cached = await call(app, { method: 'GET', url: `/v1/titles/${title.id}`, headers: { 'if-none-match': before.headers.etag as string } });
  t.equal(cached.statusCode, 200, 'a new review makes the cached copy stale');
  t.not(cached.headers.etag, before.headers.etag);
  const patched = await call(app, { method: 'PATCH', url: `/v1/titles/${title.id}`, headers: { ...bearer(editor), 'if-match': cached.headers.etag as string }, payload: { year: 1999 } });
  t.equal(patched.statusCode, 200, 'the ETag still serves If-Match');
});

t.test('reviews and flags are rate-limited per household', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const family = await signUp(app);
  const other = await signUp(app);
  let last;
  for (let i = 0; i < 31; i++) {
    const title = await createTitle(app, editor, titleInput({ name: `T${i}` }));
    last = await call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, headers: bearer(family.token), payload: review() });
    if (i < 30) t.equal(last.statusCode, 201);
  }
  t.equal(last!.statusCode, 429);
  t.match(last!.headers['content-type'], /^application\/problem\+json/);
  t.ok(Number(last!.headers['retry-after']) > 0, 'Retry-After says when');
  const title = await createTitle(app, editor, titleInput({ name: 'Fresh' }));
  t.equal((await call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, headers: bearer(other.token), payload: review() })).statusCode, 201, 'another household is not affected');
  const own = (await call(app, { method: 'GET', url: `/v1/titles/${title.id}/reviews`, headers: bearer(other.token) })).data.items[0];
  t.equal((await call(app, { method: 'PATCH', url: `/v1/reviews/${own.id}`, headers: bearer(family.token), payload: { stars: 1 } })).statusCode, 429, 'one counter for every review write');

  // Flags: one counter across title flags and review flags.
  const flagger = await signUp(app);
  const titles = [];
  for (let i = 0; i < 20; i++) titles.push(await createTitle(app, editor, titleInput({ name: `F${i}` })));
  for (const [i, t2] of titles.entries()) {
    const res = await call(app, { method: 'POST', url: `/v1/titles/${t2.id}/flags`, headers: bearer(flagger.token), payload: { reason: 'other' } });
    if (i < 20) t.equal(res.statusCode, 201);
  }
  const overflow = await call(app, { method: 'POST', url: `/v1/reviews/${own.id}/flags`, headers: bearer(flagger.token), payload: { reason: 'spam' } });
  t.equal(overflow.statusCode, 429);
  t.equal(overflow.data.type, 'urn:guidepost:problem:rate-limited');
});
