import t from 'tap';
import { TITLE_KINDS } from '../src/schemas/titles.js';
import { build, call } from './helper.js';

t.test('the demo catalogue: 40+ real titles, every kind, ages 2–18, every verdict path', async (t) => {
  const app = await build(t, { GUIDEPOST_DEMO: true });
  const items: { id: string; kind: string; summary: { age: number | null; ageSource: string | null } }[] = [];
  let cursor: string | null = null;
  do {
    const res = await call(app, { method: 'GET', url: `/v1/titles?limit=100${cursor ? `&cursor=${cursor}` : ''}` });
    items.push(...res.data.items);
    cursor = res.data.nextCursor;
  } while (cursor);
  t.ok(items.length >= 40, `${items.length} titles`);
  for (const kind of TITLE_KINDS) t.ok(items.some((i) => i.kind === kind), kind);
  t.ok(items.some((i) => i.summary.ageSource === 'expert'), 'some with an advisory');
  t.ok(items.some((i) => i.summary.ageSource === 'certification'), 'some with only a certification');
  t.ok(items.some((i) => i.summary.ageSource === null), 'some with neither');
  const ages = new Set(items.map((i) => i.summary.age).filter((a) => a !== null));
  t.ok([...ages].some((a) => a! <= 4) && [...ages].some((a) => a! >= 17), 'ages span the range');

  const her = await call(app, { method: 'GET', url: '/v1/titles/imdb:tt1798709' });
  t.match(her.data, {
    name: 'Her',
    kind: 'movie',
    year: 2013,
    runtimeMinutes: 119,
    studio: 'Warner Bros.',
    directors: ['Spike Jonze'],
    releaseDates: { theaters: '2013-12-18', streaming: '2014-05-13' },
    certifications: [{ system: 'MPA', rating: 'R', reason: 'language, sexual content and brief graphic nudity' }],
    externalIds: { imdb: 'tt1798709', tmdb: 'movie:152601' },
    advisory: { ageRecommendation: 16 },
  });
  for (const actor of ['Joaquin Phoenix', 'Scarlett Johansson', 'Amy Adams']) t.ok(her.data.cast.includes(actor), actor);

  const search = await call(app, { method: 'GET', url: '/v1/titles?q=her' });
  t.ok(search.data.items.some((i: { name: string }) => i.name === 'Her'));
});

t.test('the demo loads only into an empty database', async (t) => {
  const app = await build(t, { GUIDEPOST_DEMO: true });
  const count = await app.store.titles.count();
  const { loadDemo } = await import('../src/demo/load.js');
  t.equal(await loadDemo(app.store), null);
  t.equal(await app.store.titles.count(), count);
});
