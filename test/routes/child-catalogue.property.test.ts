/**
 * The child's catalogue agrees exactly with the verdicts: over random catalogues, limits,
 * overrides, ages, filters and page sizes, every listed title has an `ok` verdict, and every
 * title with an `ok` verdict that matches the filters is listed, once, in catalogue order.
 */
import fc from 'fast-check';
import t from 'tap';
import { CATEGORIES } from '../../src/domain/categories.js';
import { RATING_SYSTEMS } from '../../src/domain/rating-systems.js';
import { TITLE_KINDS, TitleInput } from '../../src/schemas/titles.js';
import { bearer, birthForAge, build, call } from '../helper.js';

const level = fc.integer({ min: 0, max: 5 });
const rating = fc.record({ level, note: fc.constant('n') });
const advisoryArb = fc.record(
  {
    ageRecommendation: fc.integer({ min: 2, max: 18 }),
    stars: fc.integer({ min: 1, max: 5 }),
    oneLiner: fc.constant('x'),
    parentsNeedToKnow: fc.constant('y'),
    ratings: fc.record(
      Object.fromEntries(CATEGORIES.map((c) => [c.key, rating])) as Record<string, typeof rating>,
      { requiredKeys: ['language', 'sex', 'drinking', 'violence', 'messages', 'roleModels'] },
    ),
  },
  { requiredKeys: ['ageRecommendation', 'stars', 'oneLiner', 'parentsNeedToKnow', 'ratings'] },
);
const certArb = fc.constantFrom(...RATING_SYSTEMS.flatMap((s) => s.ratings.map((r) => ({ system: s.system, rating: r.rating }))));
const titleArb = fc.record({
  name: fc.constantFrom('Alpha', 'Bravo', 'Charlie', 'Delta', 'Echo', 'Foxtrot'),
  kind: fc.constantFrom(...TITLE_KINDS.slice(0, 3)),
  year: fc.integer({ min: 1990, max: 2025 }),
  advisory: fc.option(advisoryArb, { nil: null }),
  certifications: fc.uniqueArray(certArb, { selector: (c) => c.system, maxLength: 2 }),
  // A TV title may be an episode of the last TV series before it (judged by the series without a rating of its own).
  asEpisode: fc.boolean(),
});
const limitsArb = fc.record(
  Object.fromEntries(CATEGORIES.map((c) => [c.key, level])) as Record<string, typeof level>,
  { requiredKeys: [] },
);
const childArb = fc.record({
  age: fc.integer({ min: 1, max: 19 }),
  limits: limitsArb,
  ageRule: fc.constantFrom('expert', 'strictest', 'off'),
  unrated: fc.constantFrom('block', 'allow'),
  mode: fc.constantFrom('limits', 'limits', 'allowlist'),
  ceilings: fc.uniqueArray(certArb, { selector: (c) => c.system, maxLength: 2 }),
});
const overrideArb = fc.record({
  index: fc.nat(),
  decision: fc.constantFrom('allow', 'block'),
  expires: fc.constantFrom('none', 'past', 'future'),
});
const queryArb = fc.record({
  filters: fc.subarray(['kind=movie,book', 'forAge=10', 'maxViolence=3', 'minMessages=2', 'maxConsumerism=4', 'genre=drama']),
  sort: fc.constantFrom('name', 'newest', 'stars', 'age'),
  limit: fc.integer({ min: 1, max: 7 }),
  level: fc.constantFrom('title', 'episode'),
});

t.test('catalogue and verdicts agree', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(titleArb, { minLength: 1, maxLength: 30 }),
      childArb,
      fc.array(overrideArb, { maxLength: 8 }),
      queryArb,
      async (titles, child, overrides, query) => {
        const app = await build(t);
        const ids: string[] = [];
        let series: string | undefined;
        for (const [i, { asEpisode, ...title }] of titles.entries()) {
          const place = title.kind === 'tv' && asEpisode && series ? { parentId: series, seasonNumber: 1, episodeNumber: i } : {};
          const record = await app.store.titles.create(TitleInput.parse({ ...title, ...place, genres: i % 2 ? ['Drama'] : ['Comedy'] }));
          ids.push(record.title.id);
          if (title.kind === 'tv' && !('parentId' in place)) series = record.title.id;
        }
        const signUp = await call(app, { method: 'POST', url: '/v1/households', payload: {} });
        const token = signUp.data.token.token;
        const created = await call(app, {
          method: 'POST',
          url: '/v1/children',
          headers: bearer(token),
          payload: {
            nickname: 'Kid',
            birth: birthForAge(child.age),
            limits: Object.fromEntries(
              Object.entries(child.limits).map(([k, v]) => [k, CATEGORIES.find((c) => c.key === k)!.polarity === 'concern' ? { max: v } : { min: v }]),
            ),
            ageRule: child.ageRule,
            unrated: child.unrated,
            mode: child.mode,
            certificationCeilings: Object.fromEntries(child.ceilings.map((c) => [c.system, c.rating])),
          },
        });
        if (created.statusCode !== 201) throw new Error(created.body);
        const childId = created.data.id;
        const day = 86_400_000;
        for (const o of overrides) {
          const expiresAt = o.expires === 'none' ? null : new Date(Date.now() + (o.expires === 'past' ? -day : day)).toISOString();
          await app.store.overrides.put(childId, ids[o.index % ids.length]!, { decision: o.decision as 'allow', note: null, expiresAt });
        }

        const qs = [...query.filters, `sort=${query.sort}`, `level=${query.level}`].join('&');
        const walk = async (base: string) => {
          const seen: string[] = [];
          let cursor: string | null = null;
          do {
            const res = await call(app, { method: 'GET', url: `${base}?${qs}&limit=${query.limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, headers: bearer(token) });
            if (res.statusCode !== 200) throw new Error(res.body);
            if (res.data.items.length > query.limit) throw new Error(`a page of ${res.data.items.length} for limit ${query.limit}`);
            if (res.data.nextCursor && res.data.items.length < query.limit) throw new Error('a short page before the end');
            seen.push(...res.data.items.map((i: { id: string }) => i.id));
            cursor = res.data.nextCursor;
          } while (cursor);
          return seen;
        };
        const listed = await walk(`/v1/children/${childId}/titles`);
        const matching = await walk('/v1/titles');
        const verdicts = await call(app, { method: 'POST', url: `/v1/children/${childId}/verdicts`, headers: bearer(token), payload: { titles: matching.length ? matching : [ids[0]] } });
        const ok = new Set<string>(verdicts.data.items.filter((v: { status: string }) => v.status === 'ok').map((v: { title: { id: string } }) => v.title.id));
        const expected = matching.filter((id) => ok.has(id));
        await app.close();
        t.same(listed, expected, JSON.stringify({ child, overrides, query }));
        return listed.length === expected.length && listed.every((id, i) => id === expected[i]);
      },
    ),
    { numRuns: Number(process.env.PROPERTY_RUNS ?? 60) },
  );
});

t.test('agreement holds across many scan steps (more titles than one step reads)', async (t) => {
  const app = await build(t);
  const lines = Array.from({ length: 650 }, (_, i) =>
    JSON.stringify({
      name: `Title ${String(i).padStart(3, '0')}`,
      kind: i % 3 ? 'movie' : 'book',
      year: 2000 + (i % 20),
      // Only one title in 40 suits a strict 6-year-old, so most steps find nothing.
      advisory: {
        ageRecommendation: i % 40 === 0 ? 5 : 14,
        stars: 1 + (i % 5),
        oneLiner: 'x',
        parentsNeedToKnow: 'y',
        ratings: Object.fromEntries(['language', 'sex', 'drinking', 'violence', 'messages', 'roleModels'].map((k) => [k, { level: i % 40 === 0 ? 0 : 3, note: 'n' }])),
      },
    }),
  );
  const { importJsonl } = await import('../../src/catalogue/import.js');
  t.equal((await importJsonl(app.store, lines)).created, 650);
  const signUp = await call(app, { method: 'POST', url: '/v1/households', payload: {} });
  const token = signUp.data.token.token;
  const child = await call(app, { method: 'POST', url: '/v1/children', headers: bearer(token), payload: { nickname: 'Kid', birth: birthForAge(6) } });
  for (const sort of ['name', 'stars']) {
    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call(app, { method: 'GET', url: `/v1/children/${child.data.id}/titles?sort=${sort}&limit=4${cursor ? `&cursor=${cursor}` : ''}`, headers: bearer(token) });
      listed.push(...res.data.items.map((i: { name: string }) => i.name));
      cursor = res.data.nextCursor;
    } while (cursor);
    t.equal(listed.length, 17, `${sort}: the 17 suitable titles`);
    t.ok(listed.every((n) => Number(n.slice(6)) % 40 === 0), `${sort}: and only those`);
  }
});
