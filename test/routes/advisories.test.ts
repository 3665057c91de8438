import t from 'tap';
import { advisory, bearer, build, call, createTitle, sixRatings, titleInput, tokenFor } from '../helper.js';
import { freshDatabase, onAnotherConnection } from '../backend.js';

t.test('PUT creates then replaces an advisory; GET and DELETE', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const title = await createTitle(app, editor, titleInput({ certifications: [{ system: 'MPA', rating: 'R' }] }));
  t.equal((await call(app, { method: 'GET', url: `/v1/titles/${title.id}/advisory` })).statusCode, 404);

  const body = advisory({
    ageRecommendation: 15,
    story: 'Things happen.',
    talkAbout: ['Why?'],
    ratings: { ...sixRatings(2), educational: { level: 3, note: 'History.' } },
  });
  const created = await call(app, { method: 'PUT', url: `/v1/titles/${title.id}/advisory`, headers: bearer(editor), payload: body });
  t.equal(created.statusCode, 201);
  t.equal(created.headers.etag, '"2"');
  t.match(created.data, { ageRecommendation: 15, story: 'Things happen.', isItAnyGood: null, talkAbout: ['Why?'], ratings: { educational: { level: 3 } } });
  t.notOk('diversity' in created.data.ratings, 'an optional category left out stays out');

  const read = await call(app, { method: 'GET', url: `/v1/titles/${title.id}/advisory` });
  t.equal(read.statusCode, 200);
  t.equal(read.headers.etag, '"2"');
  t.same(read.data, created.data);
  const detail = await call(app, { method: 'GET', url: `/v1/titles/${title.id}` });
  t.match(detail.data.summary, { age: 15, ageSource: 'expert', stars: 4 }, 'the advisory now decides the age over MPA R');

  const stale = await call(app, { method: 'PUT', url: `/v1/titles/${title.id}/advisory`, headers: { ...bearer(editor), 'if-match': '"1"' }, payload: body });
  t.equal(stale.statusCode, 412);
  const replaced = await call(app, {
    method: 'PUT',
    url: `/v1/titles/${title.id}/advisory`,
    headers: { ...bearer(editor), 'if-match': '"2"' },
    payload: advisory({ ageRecommendation: 12 }),
  });
  t.equal(replaced.statusCode, 200);
  t.equal(replaced.data.story, null, 'PUT replaces the whole advisory');
  t.notOk('educational' in replaced.data.ratings);

  const removed = await call(app, { method: 'DELETE', url: `/v1/titles/${title.id}/advisory`, headers: { ...bearer(editor), 'if-match': '"3"' } });
  t.equal(removed.statusCode, 204);
  const after = await call(app, { method: 'GET', url: `/v1/titles/${title.id}` });
  t.equal(after.data.advisory, null);
  t.match(after.data.summary, { age: 17, ageSource: 'certification', stars: null, levels: null }, 'the certification decides again');
  t.equal((await call(app, { method: 'DELETE', url: `/v1/titles/${title.id}/advisory`, headers: bearer(editor) })).statusCode, 404);
  t.equal((await call(app, { method: 'PUT', url: '/v1/titles/imdb:tt0000009/advisory', headers: bearer(editor), payload: body })).statusCode, 404);
});

t.test('advisory validation rejects out-of-range levels, missing categories and unknown keys', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const title = await createTitle(app, editor, titleInput());
  const put = (payload: object) => call(app, { method: 'PUT', url: `/v1/titles/${title.id}/advisory`, headers: bearer(editor), payload });
  const { language: _omit, ...withoutLanguage } = sixRatings();
  const cases: [object, string[]][] = [
    [advisory({ ratings: { ...sixRatings(), language: { level: 6, note: 'x' } } }), ['ratings.language.level']],
    [advisory({ ratings: { ...sixRatings(), drinking: { level: 2.5, note: 'x' } } }), ['ratings.drinking.level']],
    [advisory({ ratings: withoutLanguage }), ['ratings.language']],
    [advisory({ ratings: { ...sixRatings(), violence: { level: 1 } } }), ['ratings.violence.note']],
    [advisory({ ratings: { ...sixRatings(), violence: { level: 1, note: 'x', extra: true } } }), ['ratings.violence.extra']],
    [advisory({ verdict: 'fine' }), ['verdict']],
    [advisory({ stars: 0, ageRecommendation: 1 }), ['stars', 'ageRecommendation']],
    [{ ...advisory(), oneLiner: undefined }, ['oneLiner']],
  ];
  for (const [payload, paths] of cases) {
    const res = await put(payload);
    t.equal(res.statusCode, 400, paths.join());
    t.same(res.data.errors.map((e: { path: string }) => e.path).sort(), [...paths].sort(), paths.join());
  }
  t.equal((await call(app, { method: 'GET', url: `/v1/titles/${title.id}` })).data.advisory, null, 'nothing was written');
});

t.test('text stored longer than today\'s bounds is still served: the bounds are for requests', async (t) => {
  const database = freshDatabase(t);
  const app = await build(t, database);
  const editor = await tokenFor(app, 'editor');
  const title = await createTitle(app, editor, titleInput());
  t.equal((await call(app, { method: 'PUT', url: `/v1/titles/${title.id}/advisory`, headers: bearer(editor), payload: advisory() })).statusCode, 201);
  // As if written before the bound existed, or by hand: over the document's maxLength (200).
  await onAnotherConnection(database, `update advisories set one_liner = '${'long '.repeat(100)}'`);
  const read = await call(app, { method: 'GET', url: `/v1/titles/${title.id}` });
  t.equal(read.statusCode, 200);
  t.equal(read.data.advisory.oneLiner.length, 500);
});
