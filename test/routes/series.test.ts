import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { ImportLine } from '../../src/schemas/titles.js';
import { importItem } from '../../src/store/title-mapping.js';
import { advisory, bearer, birthForAge, build, call, createChild, createTitle, signUp, titleInput, tokenFor } from '../helper.js';

/**
 * A series rated 12 with two seasons: season 1 has no rating of its own, season 2 is rated 14.
 * S1E1 has none either; S1E2 is rated 16 (stricter than its series); S2E1 has none.
 */
async function series(app: FastifyInstance, editor: string) {
  const show = await createTitle(app, editor, titleInput({ name: 'Lighthouse', kind: 'tv', externalIds: { tmdb: 'tv:4242' }, advisory: advisory({ ageRecommendation: 12 }) }));
  const s1 = await createTitle(app, editor, titleInput({ name: 'Lighthouse, season 1', kind: 'tv', parentId: show.id, seasonNumber: 1 }));
  const s2 = await createTitle(app, editor, titleInput({ name: 'Lighthouse, season 2', kind: 'tv', parentId: show.id, seasonNumber: 2, advisory: advisory({ ageRecommendation: 14 }) }));
  const e11 = await createTitle(app, editor, titleInput({ name: 'Landfall', kind: 'tv', parentId: s1.id, seasonNumber: 1, episodeNumber: 1, externalIds: { imdb: 'tt7000001' } }));
  const e12 = await createTitle(app, editor, titleInput({ name: 'The Storm', kind: 'tv', parentId: s1.id, seasonNumber: 1, episodeNumber: 2, advisory: advisory({ ageRecommendation: 16 }) }));
  const e21 = await createTitle(app, editor, titleInput({ name: 'Fog', kind: 'tv', parentId: s2.id, seasonNumber: 2, episodeNumber: 1 }));
  return { show, s1, s2, e11, e12, e21 };
}

const get = async (app: FastifyInstance, url: string, token?: string) => call(app, { method: 'GET', url, ...(token ? { headers: bearer(token) } : {}) });

t.test('seasons and episodes are titles of their own, placed under their series', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const { show, s1, e11, e12 } = await series(app, editor);
  t.match(e12, { parentId: s1.id, seasonNumber: 1, episodeNumber: 2 });
  t.match(show, { parentId: null, seasonNumber: null, episodeNumber: null });

  t.equal((await get(app, '/v1/titles/tmdb:tv:4242:s1e2')).data.id, e12.id, 'an episode by its series’ TMDB id and its numbers');
  t.equal((await get(app, '/v1/titles/imdb:tt7000001')).data.id, e11.id, 'and by its own IMDb id');
  t.equal((await get(app, '/v1/titles/tmdb:tv:4242:s3e1')).statusCode, 404, 'an episode that is not there');
  t.equal((await get(app, '/v1/titles/tmdb:tv:4242:s01e1')).statusCode, 400, 'numbers with leading zeros are not a reference');

  const names = async (query: string) => (await get(app, `/v1/titles?${query}`)).data.items.map((i: { name: string }) => i.name);
  t.same(await names(''), ['Lighthouse'], 'the list shows the series once');
  t.same(await names('level=season'), ['Lighthouse, season 1', 'Lighthouse, season 2']);
  t.same(await names('level=episode&sort=name'), ['Fog', 'Landfall', 'The Storm']);
  t.same(await names('level=episode&forAge=12'), ['Landfall'], 'an episode without a rating is filtered by its series’ age');
  t.equal((await get(app, '/v1/titles?level=show')).statusCode, 400);
});

t.test('a place in a series is checked: 400 for a wrong parent, 409 for a taken place or a parent with children', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const { show, s1, s2, e11 } = await series(app, editor);
  const film = await createTitle(app, editor, titleInput({ name: 'A Film' }));
  const post = (body: Record<string, unknown>) => call(app, { method: 'POST', url: '/v1/titles', headers: bearer(editor), payload: titleInput({ name: 'New', kind: 'tv', ...body }) });
  const cases: [string, Record<string, unknown>, number, RegExp][] = [
    ['a film with a parent', { kind: 'movie', parentId: show.id, seasonNumber: 3 }, 400, /a movie has no seasons or episodes/],
    ['numbers without a parent', { episodeNumber: 3 }, 400, /give its parentId too/],
    ['a parent without numbers', { parentId: show.id }, 400, /needs its seasonNumber/],
    ['a parent that is not there', { parentId: 'tl_00000000000000000000', seasonNumber: 3 }, 400, /is not in the catalogue/],
    ['a parent of another kind', { parentId: film.id, seasonNumber: 1 }, 400, /a movie title/],
    ['a season under a season', { parentId: s1.id, seasonNumber: 1 }, 400, /a season belongs to a series/],
    ['an episode under an episode', { parentId: e11.id, seasonNumber: 1, episodeNumber: 9 }, 400, /is an episode/],
    ['an episode under a season, numbered for another', { parentId: s2.id, seasonNumber: 1, episodeNumber: 9 }, 400, /give seasonNumber 2/],
    ['an episode straight under a series with seasons', { parentId: show.id, seasonNumber: 1, episodeNumber: 9 }, 400, /give the season as its parentId/],
    ['a second season 1', { parentId: show.id, seasonNumber: 1 }, 409, /already has season 1/],
    ['a second S1E1', { parentId: s1.id, seasonNumber: 1, episodeNumber: 1 }, 409, /already has episode 1 of season 1/],
  ];
  for (const [what, body, status, message] of cases) {
    const res = await post(body);
    t.equal(res.statusCode, status, what);
    t.match(res.data.detail ?? JSON.stringify(res.data), message, what);
  }

  const del = await call(app, { method: 'DELETE', url: `/v1/titles/${show.id}`, headers: bearer(editor) });
  t.equal(del.statusCode, 409, 'a series with seasons stays');
  t.match(del.data.detail, /has seasons or episodes/);
  const kind = await call(app, { method: 'PATCH', url: `/v1/titles/${show.id}`, headers: bearer(editor), payload: { kind: 'podcast' } });
  t.equal(kind.statusCode, 409, 'nor does it change kind under its seasons');
  t.match(kind.data.detail, /would no longer fit/);
  t.equal((await get(app, `/v1/titles/${show.id}`)).data.kind, 'tv', 'and nothing was written');

  const renumbered = await call(app, { method: 'PATCH', url: `/v1/titles/${s1.id}`, headers: bearer(editor), payload: { seasonNumber: 3 } });
  t.equal(renumbered.statusCode, 200, 'a season renumbered');
  t.match((await get(app, `/v1/titles/${e11.id}`)).data, { seasonNumber: 3, episodeNumber: 1 }, 'takes its episodes with it');
  t.equal((await get(app, '/v1/titles/tmdb:tv:4242:s3e1')).data.id, e11.id);
});

t.test('an episode is judged by its own rating, else its season’s, else its series’, and says which', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const { show, s2, e11, e12, e21 } = await series(app, editor);
  const verdict = async (id: string, query: string) => (await get(app, `/v1/titles/${id}/verdict?${query}`)).data;

  const landfall = await verdict(e11.id, 'age=12');
  t.match(landfall, { status: 'ok', age: 12, inheritedFrom: { id: show.id, name: 'Lighthouse', level: 'series' }, episodes: null });
  t.match(landfall.message, /'Landfall' has no rating of its own: it is judged by its series, 'Lighthouse'\./);
  t.equal(landfall.ratings.length, 6, 'and shows the ratings it was judged by');
  t.match(await verdict(e12.id, 'age=12'), { status: 'blocked', age: 16, inheritedFrom: null }, 'its own rating wins, stricter than its series');
  t.match(await verdict(e21.id, 'age=13'), { status: 'blocked', age: 14, inheritedFrom: { id: s2.id, level: 'season' } });

  const strictest = await verdict(show.id, 'age=12&episodes=strictest');
  t.match(strictest, { status: 'ok', episodes: { checked: 3, more: false, blocked: 2, except: ['S1E2', 'S2E1'], strictest: { id: e12.id, label: 'S1E2', age: 16, status: 'blocked' } } });
  t.match(strictest.message, /Not every episode: S1E2, S2E1 of its 3 episodes are not OK at age 12 \(the strictest: S1E2 'The Storm', from age 16\)\./);
  t.match((await verdict(show.id, 'age=16&episodes=strictest')).message, /Each of its 3 episodes is OK at age 16 too\./);
  t.match(await verdict(s2.id, 'age=14&episodes=strictest'), { episodes: { checked: 1, blocked: 0 } }, 'a season checks its own episodes');
  t.equal((await get(app, `/v1/titles/${show.id}/verdict?age=12&episodes=all`)).statusCode, 400);
});

t.test('a series’ episodes page in order, with verdicts for an age or a child', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const { show, s1, e11, e12, e21 } = await series(app, editor);
  const film = await createTitle(app, editor, titleInput({ name: 'A Film', advisory: advisory({ ageRecommendation: 8 }) }));

  const all = await get(app, `/v1/titles/${show.id}/episodes`);
  t.equal(all.statusCode, 200);
  t.same(all.data.items.map((i: { id: string }) => i.id), [e11.id, e12.id, e21.id]);
  t.equal(all.data.items[0].verdict, null);
  const first = await get(app, `/v1/titles/${show.id}/episodes?limit=2`);
  const next = await get(app, `/v1/titles/${show.id}/episodes?limit=2&cursor=${first.data.nextCursor}`);
  t.same(next.data.items.map((i: { id: string }) => i.id), [e21.id], 'page by page');
  t.same((await get(app, `/v1/titles/${s1.id}/episodes?age=12`)).data.items.map((i: { verdict: { allowed: boolean } }) => i.verdict.allowed), [true, false], 'a season’s, judged at an age');
  t.equal((await get(app, `/v1/titles/${film.id}/episodes`)).statusCode, 404, 'a film has none');
  t.equal((await get(app, `/v1/titles/${e11.id}/episodes`)).statusCode, 404, 'nor has an episode');

  const family = await signUp(app);
  const maya = await createChild(app, family.token, { birth: birthForAge(12) });
  const forMaya = async () => (await get(app, `/v1/titles/${show.id}/episodes?child=${maya.id}`, family.token)).data.items.map((i: { verdict: { allowed: boolean } }) => i.verdict.allowed);
  t.same(await forMaya(), [true, false, false]);
  t.equal((await get(app, `/v1/titles/${show.id}/episodes?child=${maya.id}`)).statusCode, 401, 'a child needs a household token');
  t.equal((await get(app, `/v1/titles/${show.id}/episodes?child=${maya.id}`, editor)).statusCode, 403);
  const other = await signUp(app);
  t.equal((await get(app, `/v1/titles/${show.id}/episodes?child=${maya.id}`, other.token)).statusCode, 404, 'another household’s child is not found');
  t.equal((await get(app, `/v1/titles/${show.id}/episodes?child=${maya.id}&age=12`, family.token)).statusCode, 400, 'an age or a child, not both');

  // A parent blocks the series; one episode is allowed on its own.
  const put = (id: string, decision: string) => call(app, { method: 'PUT', url: `/v1/children/${maya.id}/overrides/${id}`, headers: bearer(family.token), payload: { decision } });
  t.equal((await put(show.id, 'block')).statusCode, 201);
  t.equal((await put(e12.id, 'allow')).statusCode, 201);
  t.same(await forMaya(), [false, true, false], 'an override on the series reaches its episodes, unless one has its own');
  const single = (await get(app, `/v1/children/${maya.id}/verdicts/${e11.id}`, family.token)).data;
  t.match(single, { allowed: false, decidedBy: 'override' });
  const batch = await call(app, { method: 'POST', url: `/v1/children/${maya.id}/verdicts`, headers: bearer(family.token), payload: { titles: [e11.id, 'tmdb:tv:4242:s1e2', e21.id] } });
  t.same(batch.data.items.map((i: { allowed: boolean }) => i.allowed), [false, true, false], 'a batch agrees');
  const catalogue = async (query: string) => (await get(app, `/v1/children/${maya.id}/titles?${query}`, family.token)).data.items.map((i: { id: string }) => i.id);
  t.same(await catalogue('level=episode'), [e12.id], 'and the child’s catalogue of episodes');
  t.same(await catalogue(''), [film.id], 'whose default level shows titles on their own');
  await call(app, { method: 'DELETE', url: `/v1/children/${maya.id}/overrides/${show.id}`, headers: bearer(family.token) });
  t.same(await catalogue('level=episode&sort=name'), [e11.id, e12.id], 'without the series’ override: Landfall by its series’ 12, The Storm by its own allow');
});

t.test('an import writes series before episodes in one batch, and reports an episode out of place by its line', async (t) => {
  const app = await build(t);
  const { titles } = app.store;
  const showId = 'tl_series00000000000001';
  const seasonId = 'tl_season00000000000001';
  const line = (body: Record<string, unknown>) => importItem(ImportLine.parse(titleInput(body)));
  const outcomes = await titles.importBatch([
    line({ id: showId, name: 'Harbour', kind: 'tv', advisory: advisory({ ageRecommendation: 10 }) }),
    line({ id: seasonId, name: 'Harbour, season 1', kind: 'tv', parentId: showId, seasonNumber: 1 }),
    line({ name: 'Pilot', kind: 'tv', parentId: seasonId, seasonNumber: 1, episodeNumber: 1 }),
  ]);
  t.same(outcomes.map((o) => o.ok && o.outcome), ['created', 'created', 'created']);
  const again = await titles.importBatch([
    line({ name: 'Pilot', kind: 'tv', parentId: seasonId, seasonNumber: 1, episodeNumber: 1 }),
    line({ name: 'Orphan', kind: 'tv', parentId: 'tl_missing0000000000001', seasonNumber: 1 }),
    line({ name: 'Second', kind: 'tv', parentId: seasonId, seasonNumber: 1, episodeNumber: 2 }),
  ]);
  t.match(again, [{ ok: true, outcome: 'unchanged' }, { ok: false, error: /is not in the catalogue/ }, { ok: true, outcome: 'created' }], 'the bad line alone fails');

  const exported: { id: string; parentId: string | null }[] = [];
  for await (const title of titles.exportAll(2)) exported.push(title);
  const at = (id: string) => exported.findIndex((e) => e.id === id);
  t.ok(exported.every((e) => e.parentId === null || at(e.parentId) < at(e.id)), 'the export holds each parent before its children');
  t.equal(exported.length, 4);
});

t.test('a change to a series reaches its episodes’ places in lists; an episode moves to another season', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const { show, s2, e11, e12, e21 } = await series(app, editor);
  const forAge = async (age: number) => (await get(app, `/v1/titles?level=episode&forAge=${age}&sort=name`)).data.items.map((i: { id: string }) => i.id);
  t.same(await forAge(12), [e11.id]);
  const put = await call(app, { method: 'PUT', url: `/v1/titles/${show.id}/advisory`, headers: bearer(editor), payload: advisory({ ageRecommendation: 9 }) });
  t.equal(put.statusCode, 200);
  t.same(await forAge(9), [e11.id], 'the series’ new age judges the episode without a rating of its own');
  t.same(await forAge(14), [e21.id, e11.id], 'Fog by its season’s 14, Landfall by the series’ 9; The Storm by its own 16');

  const moved = await call(app, { method: 'PATCH', url: `/v1/titles/${e11.id}`, headers: bearer(editor), payload: { parentId: s2.id, seasonNumber: 2, episodeNumber: 2 } });
  t.equal(moved.statusCode, 200, 'an episode moves to another season');
  t.match((await get(app, `/v1/titles/${e11.id}/verdict?age=13`)).data, { status: 'blocked', age: 14, inheritedFrom: { id: s2.id } }, 'and is judged by it');
  t.same((await get(app, `/v1/titles/${s2.id}/episodes`)).data.items.map((i: { id: string }) => i.id), [e21.id, e11.id]);
  const clash = await call(app, { method: 'PATCH', url: `/v1/titles/${e12.id}`, headers: bearer(editor), payload: { parentId: s2.id, seasonNumber: 2, episodeNumber: 1 } });
  t.equal(clash.statusCode, 409, 'not onto a place another episode holds');
  t.match((await get(app, `/v1/titles/${e12.id}`)).data, { parentId: e12.parentId, episodeNumber: 2 }, 'which stays where it was');
  const unplaced = await call(app, { method: 'PATCH', url: `/v1/titles/${e12.id}`, headers: bearer(editor), payload: { parentId: null } });
  t.equal(unplaced.statusCode, 400, 'an episode taken out of its series keeps numbers it cannot have');
  t.match(unplaced.data.detail, /seasonNumber/);
  const alone = await call(app, { method: 'PATCH', url: `/v1/titles/${e12.id}`, headers: bearer(editor), payload: { parentId: null, seasonNumber: null, episodeNumber: null } });
  t.equal(alone.statusCode, 200, 'with its numbers it becomes a title on its own');
  t.ok((await get(app, '/v1/titles?kind=tv')).data.items.some((i: { id: string }) => i.id === e12.id));
});

t.test('an import line is the episode in its place; one that moves an episode onto another’s place is reported, and the rest are written', async (t) => {
  const app = await build(t);
  const { titles } = app.store;
  const showId = 'tl_series00000000000002';
  const line = (body: Record<string, unknown>) => importItem(ImportLine.parse(titleInput(body)));
  const outcomes = await titles.importBatch([
    line({ id: showId, name: 'Pier', kind: 'podcast' }),
    line({ name: 'One', kind: 'podcast', parentId: showId, episodeNumber: 1, externalIds: { imdb: 'tt7100001' } }),
    line({ name: 'One, retitled', kind: 'podcast', parentId: showId, episodeNumber: 1 }),
    line({ name: 'Two', kind: 'podcast', parentId: showId, episodeNumber: 2, externalIds: { imdb: 'tt7100002' } }),
  ]);
  t.match(outcomes, [{ outcome: 'created' }, { outcome: 'created' }, { outcome: 'updated' }, { outcome: 'created' }], 'a second line in the same place is the same episode');
  t.equal(outcomes[2]!.ok && outcomes[2]!.id, outcomes[1]!.ok && outcomes[1]!.id);
  const moved = await titles.importBatch([
    line({ name: 'Two', kind: 'podcast', parentId: showId, episodeNumber: 1, externalIds: { imdb: 'tt7100002' } }),
    line({ name: 'Three', kind: 'podcast', parentId: showId, episodeNumber: 3 }),
  ]);
  t.match(moved, [{ ok: false, error: /already has episode 1/ }, { ok: true, outcome: 'created' }]);
  t.equal(await titles.count(), 4);
});

t.test('an import matches seasons and episodes by their place, never by a name another series shares, and an export imports back whole', async (t) => {
  const app = await build(t);
  const { titles } = app.store;
  const line = (body: Record<string, unknown>) => importItem(ImportLine.parse(titleInput({ year: 2020, ...body })));
  const [alpha, beta] = ['tl_alpha0000000000000001', 'tl_beta00000000000000001'].map((id) => id.slice(0, 23));
  const outcomes = await titles.importBatch([
    line({ id: alpha, name: 'Alpha', kind: 'tv' }),
    line({ name: 'Season 1', kind: 'tv', parentId: alpha, seasonNumber: 1 }),
    line({ id: beta, name: 'Beta', kind: 'tv' }),
    line({ name: 'Season 1', kind: 'tv', parentId: beta, seasonNumber: 1 }),
  ]);
  t.same(outcomes.map((o) => o.ok && o.outcome), ['created', 'created', 'created', 'created'], 'two seasons called "Season 1", one in each series');
  const seasons = async (id: string) => (await titles.list({ filters: { levels: [], level: 'season' }, sort: 'name', limit: 10 })).items.filter((i) => i.parentId === id);
  t.equal((await seasons(alpha!)).length, 1);
  t.equal((await seasons(beta!)).length, 1);
  const again = await titles.importBatch([line({ name: 'Season 1 (renamed)', kind: 'tv', parentId: beta, seasonNumber: 1 })]);
  t.match(again, [{ ok: true, outcome: 'updated' }], 'a line finds the season in its place, whatever its name');

  const { toImportLine } = await import('../../src/catalogue/export.js');
  const { importJsonl } = await import('../../src/catalogue/import.js');
  const exported: string[] = [];
  for await (const title of titles.exportAll()) exported.push(JSON.stringify(toImportLine(title)));
  const copy = await build(t);
  const report = await importJsonl(copy.store, exported);
  t.same(report.errors, []);
  t.equal(report.created, 4, 'every title of the export, into an empty catalogue');
  t.equal((await importJsonl(copy.store, exported)).unchanged, 4, 'and again, nothing changes');
});

t.test('an import line out of place is reported whatever batch path it takes', async (t) => {
  const app = await build(t);
  const film = 'tl_film0000000000000001'.slice(0, 23);
  const line = (body: Record<string, unknown>) => importItem(ImportLine.parse(titleInput(body)));
  const outcomes = await app.store.titles.importBatch([
    line({ id: film, name: 'Film' }),
    line({ name: 'Not an episode', parentId: film, seasonNumber: 1 }),
    line({ name: 'Numbered', seasonNumber: 4, episodeNumber: 2 }),
  ]);
  t.match(outcomes, [{ ok: true }, { ok: false, error: /a movie has no seasons or episodes/ }, { ok: false, error: /give its parentId too/ }]);
  t.equal(await app.store.titles.count(), 1);
});

t.test('a series with seasons is refused as a season (409), not a failure; a wrong season number names its field', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const { show, s1, e11 } = await series(app, editor);
  const other = await createTitle(app, editor, titleInput({ name: 'Other', kind: 'tv' }));
  const patch = (id: string, payload: Record<string, unknown>) => call(app, { method: 'PATCH', url: `/v1/titles/${id}`, headers: bearer(editor), payload });
  const asSeason = await patch(show.id, { parentId: other.id, seasonNumber: 1 });
  t.equal(asSeason.statusCode, 409);
  t.match(asSeason.data.detail, /would no longer fit under it: .*a season belongs to a series/);
  const ownParent = await patch(show.id, { parentId: show.id, seasonNumber: 3 });
  t.equal(ownParent.statusCode, 400);
  t.match(ownParent.data.detail, /a title cannot be its own parent/);
  const wrong = await patch(e11.id, { seasonNumber: 2 });
  t.equal(wrong.statusCode, 400);
  t.match(wrong.data.errors ?? wrong.data, [{ path: 'body.seasonNumber' }]);
  t.equal((await get(app, `/v1/titles/${s1.id}`)).data.seasonNumber, 1, 'nothing was written');
});

t.test('seasons numbered in the thousands page and sum up like any other', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const show = await createTitle(app, editor, titleInput({ name: 'Long Soap', kind: 'tv', advisory: advisory({ ageRecommendation: 10 }) }));
  const season = await createTitle(app, editor, titleInput({ name: 'Season 3000', kind: 'tv', parentId: show.id, seasonNumber: 3000 }));
  const episodes = [];
  for (const n of [1, 2, 99_999]) episodes.push(await createTitle(app, editor, titleInput({ name: `Episode ${n}`, kind: 'tv', parentId: season.id, seasonNumber: 3000, episodeNumber: n })));
  const first = await get(app, `/v1/titles/${show.id}/episodes?limit=2`);
  t.equal(first.statusCode, 200);
  const rest = await get(app, `/v1/titles/${show.id}/episodes?limit=2&cursor=${first.data.nextCursor}`);
  t.same([...first.data.items, ...rest.data.items].map((i: { id: string }) => i.id), episodes.map((e) => e.id));
  t.match((await get(app, `/v1/titles/${show.id}/verdict?age=10&episodes=strictest`)).data, { episodes: { checked: 3, blocked: 0, strictest: { label: 'S3000E1' } } });
});
