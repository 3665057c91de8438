/**
 * The store's contract, written once and run on the backend under test (SQLite, or PostgreSQL
 * under `npm run test:pg`): what each repository promises its callers, and the domain errors it
 * raises — never an HTTP error — when a write would break what is stored.
 */
import t, { type Test } from 'tap';
import { Conflict, NotFound, StaleVersion } from '../../src/domain/errors.js';
import { AppError } from '../../src/errors.js';
import { issueToken, signUp } from '../../src/services/households.js';
import type { ChildFields, Store } from '../../src/store/types.js';
import { freshDatabase, openStoreOn } from '../backend.js';

const CHILD: ChildFields = { nickname: 'Maya', birth: '2014-05', limits: { violence: 2 }, ageRule: 'expert', unrated: 'block', withAdult: 'allow', mode: 'allowlist', certificationCeilings: { MPA: 'PG' }, blockDescriptors: ['PEGI:gambling'] };
const TITLE = { name: 'Contract', kind: 'movie' as const, releaseDates: {}, genres: ['Drama'], topics: [], cast: [], directors: [], certifications: [{ system: 'PEGI', rating: '12', descriptors: ['violence', 'gambling'] }], externalIds: { imdb: 'tt0000001' } };

/** The error a promise rejects with, checked to be the domain's and never the HTTP layer's. */
async function refusal(t: Test, promise: Promise<unknown>): Promise<Error> {
  const err = await promise.then(
    () => new Error('it did not refuse'),
    (e: Error) => e,
  );
  t.notOk(err instanceof AppError, 'the store raises no HTTP error');
  return err;
}

async function withStore(t: Test): Promise<Store> {
  const store = await openStoreOn(freshDatabase(t));
  t.teardown(() => store.close());
  return store;
}

t.test('households and tokens: a cap counted under a lock, never the last live token', async (t) => {
  const store = await withStore(t);
  const { household, token } = await signUp(store, 'Family');
  t.same(await store.households.get(household.id), household);
  const second = await issueToken(store, 'household', 'tablet', household.id, 2);
  const over = await refusal(t, issueToken(store, 'household', 'phone', household.id, 2));
  t.ok(over instanceof Conflict && over.kind === 'limit', 'a third token past a cap of two is a limit conflict');
  t.equal(await store.tokens.revokeForHousehold(household.id, second.id), 'revoked');
  t.equal(await store.tokens.revokeForHousehold(household.id, token.id), 'last', 'the last live token stays');
  t.equal(await store.tokens.revokeForHousehold(household.id, 'tk_nope'), 'not-found');
  t.equal((await store.tokens.findByHash('nothing')), null);
  t.ok(await store.households.remove(household.id));
  t.equal(await store.households.footprint(household.id), 0, 'nothing of the household is left');
  t.notOk(await store.households.remove(household.id), 'a second erasure finds nothing');
});

t.test('children and overrides: a cap, versions and not-found as domain errors', async (t) => {
  const store = await withStore(t);
  const { household } = await signUp(store, null);
  const child = await store.children.create(household.id, CHILD, 1);
  t.same((await store.children.get(household.id, child.id))?.limits, { violence: 2 }, 'limits come back as stored');
  t.same((await store.children.get(household.id, child.id))?.blockDescriptors, ['PEGI:gambling'], 'and the descriptors it blocks');
  t.same((await store.children.update(household.id, child.id, { blockDescriptors: [] }, [1])).blockDescriptors, []);
  await store.children.update(household.id, child.id, { blockDescriptors: ['PEGI:gambling'] }, [2]);
  t.ok((await refusal(t, store.children.create(household.id, CHILD, 1))) instanceof Conflict, 'a second child past a cap of one');
  t.equal(await store.children.get('hh_other', child.id), null, "another household's child is not found");
  const same = await store.children.update(household.id, child.id, { nickname: 'Maya' }, [3]);
  t.equal(same.version, 3, 'a change that changes nothing keeps the version');
  const renamed = await store.children.update(household.id, child.id, { nickname: 'May' }, [3]);
  t.equal(renamed.version, 4);
  t.ok((await refusal(t, store.children.update(household.id, child.id, { nickname: 'M' }, [3]))) instanceof StaleVersion, 'a stale version');
  t.ok((await refusal(t, store.children.remove(household.id, 'ch_nope', undefined))) instanceof NotFound);

  const title = await store.titles.create(TITLE);
  t.same(title.title.certifications, [{ system: 'PEGI', rating: '12', reason: null, descriptors: ['violence', 'gambling'], minimumAge: 12 }], 'descriptors come back in their order');
  t.same((await store.titles.verdictTitle({ by: 'id', id: title.title.id }))!.certifications, title.title.certifications, 'in the verdict read too');
  const put = await store.overrides.put(child.id, title.title.id, { decision: 'allow', note: null, expiresAt: null });
  t.same([put.created, put.override.version, put.override.titleName], [true, 1, 'Contract']);
  const again = await store.overrides.put(child.id, title.title.id, { decision: 'block', note: 'later', expiresAt: null }, [1]);
  t.same([again.created, again.override.version, again.override.decision], [false, 2, 'block']);
  t.same([...(await store.overrides.forTitles(child.id, [title.title.id, 'tl_none'])).keys()], [title.title.id]);
  const withOverride = await store.children.withOverride(household.id, child.id, title.title.id);
  t.same(withOverride, { child: await store.children.get(household.id, child.id), override: again.override }, 'the child and its override in one read, as read apart');
  t.same(await store.children.withOverride(household.id, child.id, 'tl_none'), { child: await store.children.get(household.id, child.id), override: null }, 'no override for another title');
  t.equal(await store.children.withOverride('hh_other', child.id, title.title.id), null, "another household's child, with or without an override");
  t.ok((await refusal(t, store.overrides.remove(child.id, title.title.id, [1]))) instanceof StaleVersion);
  await store.overrides.remove(child.id, title.title.id, [2]);
  t.ok((await refusal(t, store.overrides.remove(child.id, title.title.id))) instanceof NotFound);
});

t.test('titles: external ids are one title’s each; versions; removal', async (t) => {
  const store = await withStore(t);
  const first = await store.titles.create(TITLE);
  t.equal(first.version, 1);
  const clash = await refusal(t, store.titles.create({ ...TITLE, name: 'Other' }));
  t.ok(clash instanceof Conflict && clash.kind === 'duplicate', 'the same IMDb id on a second title');
  t.match(clash.message, `already belongs to title ${first.title.id}`);
  const patched = await store.titles.update({ by: 'imdb', imdb: 'tt0000001' }, { synopsis: 'A story.' }, [1]);
  t.same([patched.version, patched.title.synopsis], [2, 'A story.']);
  t.ok((await refusal(t, store.titles.update({ by: 'id', id: first.title.id }, { synopsis: 'x' }, [1]))) instanceof StaleVersion);
  t.ok((await refusal(t, store.titles.removeAdvisory({ by: 'id', id: first.title.id }, undefined))) instanceof NotFound, 'no advisory to remove');
  const [found, missing] = await store.titles.verdictTitles([{ by: 'imdb', imdb: 'tt0000001' }, { by: 'id', id: 'tl_none' }]);
  t.same([found?.id, missing], [first.title.id, null]);
  await store.titles.remove({ by: 'id', id: first.title.id }, [2]);
  t.equal(await store.titles.get({ by: 'id', id: first.title.id }), null);
  t.ok((await refusal(t, store.titles.remove({ by: 'id', id: first.title.id }, undefined))) instanceof NotFound);
});

t.test("titles: a verdict's read is the record's facts, alone and in a batch", async (t) => {
  const store = await withStore(t);
  const { household } = await signUp(store, null);
  const rated = await store.titles.create({
    ...TITLE,
    year: 2013,
    externalIds: { imdb: 'tt0000002', tmdb: 'movie:2' },
    certifications: [{ system: 'MPA', rating: 'R', reason: 'language and sexual content' }, { system: 'BBFC', rating: '15', reason: null }],
    advisory: {
      ageRecommendation: 16, stars: 4, oneLiner: 'One line.', parentsNeedToKnow: 'Long text.', talkAbout: ['A question?'],
      ratings: {
        language: { level: 4, note: 'Strong language.' }, sex: { level: 3, note: 'Nudity.' }, drinking: { level: 1, note: 'Wine.' }, violence: { level: 0, note: 'None.' },
        messages: { level: 3, note: 'Loneliness.' }, roleModels: { level: 2, note: 'Flawed.' }, consumerism: undefined, educational: { level: 1, note: 'Little.' }, diversity: undefined,
      },
    },
  });
  await store.reviews.create({ titleId: rated.title.id, householdId: household.id, childId: null, by: 'parent', authorAge: null, ageRating: 15, stars: 5, headline: 'Good', body: 'Thoughtful and grown-up.' });
  const bare = await store.titles.create({ ...TITLE, name: 'Unrated', externalIds: { isbn: '9780000000002' } });
  const asVerdictReads = ({ title }: NonNullable<Awaited<ReturnType<Store['titles']['get']>>>) => ({
    id: title.id, name: title.name, kind: title.kind, year: title.year, externalIds: title.externalIds, certifications: title.certifications,
    advisory: title.advisory && { ageRecommendation: title.advisory.ageRecommendation, ratings: title.advisory.ratings },
    community: title.community,
    seasonNumber: title.seasonNumber, episodeNumber: title.episodeNumber, ancestors: title.parentId === null ? [] : [title.parentId],
  });
  const [ratedNow, bareNow] = [(await store.titles.get({ by: 'id', id: rated.title.id }))!, (await store.titles.get({ by: 'id', id: bare.title.id }))!];
  t.equal(ratedNow.title.community.parents.count, 1, 'the review is counted');
  t.same(await store.titles.verdictTitle({ by: 'tmdb', tmdb: 'movie:2' }), asVerdictReads(ratedNow));
  t.same(await store.titles.verdictTitle({ by: 'isbn', isbn: '9780000000002' }), asVerdictReads(bareNow));
  t.equal(await store.titles.verdictTitle({ by: 'imdb', imdb: 'tt9999999' }), null);
  const refs = [{ by: 'isbn', isbn: '9780000000002' }, { by: 'imdb', imdb: 'tt0000002' }, { by: 'id', id: 'tl_none' }, { by: 'id', id: rated.title.id }] as const;
  t.same(await store.titles.verdictTitles(refs), [asVerdictReads(bareNow), asVerdictReads(ratedNow), null, asVerdictReads(ratedNow)], 'in the order asked, a title asked twice twice');
});

t.test('reviews and flags: one of each per author and target, votes once, closing once', async (t) => {
  const store = await withStore(t);
  const { household } = await signUp(store, null);
  const { household: other } = await signUp(store, null);
  const { title } = await store.titles.create(TITLE);
  const fields = { titleId: title.id, householdId: household.id, childId: null, by: 'parent' as const, authorAge: null, ageRating: 10, stars: 4, headline: 'Fine', body: 'A fine film for a family night.' };
  const review = await store.reviews.create(fields);
  t.same([review.hidden, review.helpful, review.version], [false, 0, 1]);
  const twice = await refusal(t, store.reviews.create(fields));
  t.ok(twice instanceof Conflict && twice.kind === 'duplicate', 'a second parent review of one title');
  t.match(twice.message, review.id, 'naming the review in the way');
  t.equal((await store.reviews.update(review.id, { stars: 5 }, [1])).stars, 5);
  t.ok((await refusal(t, store.reviews.update(review.id, { stars: 3 }, [1]))) instanceof StaleVersion);
  t.ok(await store.reviews.vote(review.id, other.id));
  t.notOk(await store.reviews.vote(review.id, other.id), 'a household votes once');
  t.equal((await store.reviews.get(review.id))?.helpful, 1);
  t.equal((await store.reviews.setHidden(review.id, true))?.hidden, true);
  t.same((await store.reviews.list(title.id, { sort: 'newest', limit: 10 })).items, [], 'a hidden review is out of the list');

  const flag = await store.flags.create({ householdId: other.id, targetKind: 'review', titleId: title.id, reviewId: review.id, reason: 'spam', category: null, note: null });
  const open = await refusal(t, store.flags.create({ householdId: other.id, targetKind: 'review', titleId: title.id, reviewId: review.id, reason: 'spam', category: null, note: null }));
  t.ok(open instanceof Conflict && open.kind === 'duplicate', 'one open flag per household and target');
  t.equal((await store.flags.close(flag.id, 'resolved', 'done'))?.status, 'resolved');
  t.equal(await store.flags.close(flag.id, 'dismissed', null), null, 'a closed flag does not close again');
});

t.test('idempotency keys: claimed once, answered, released, purged', async (t) => {
  const store = await withStore(t);
  const key = { id: 'k1', fingerprint: 'f', householdId: null, now: '2026-01-01T00:00:00.000Z', lockedUntil: '2026-01-01T00:01:00.000Z', expiresAt: '2026-01-02T00:00:00.000Z' };
  t.same(await store.idempotency.claim(key), { claimed: true });
  t.same(await store.idempotency.claim(key), { claimed: false, record: { fingerprint: 'f', response: null } }, 'in flight');
  t.same(await store.idempotency.claim({ ...key, now: '2026-01-01T00:02:00.000Z' }), { claimed: true }, 'a crashed request’s key is taken over');
  await store.idempotency.complete('k1', 'sealed', null);
  t.same(await store.idempotency.claim({ ...key, now: '2026-01-01T00:03:00.000Z' }), { claimed: false, record: { fingerprint: 'f', response: 'sealed' } });
  await store.idempotency.release('k1');
  t.equal(await store.idempotency.purgeExpired('2026-01-01T12:00:00.000Z'), 0, 'a key with an answer stays until it expires');
  t.equal(await store.idempotency.purgeExpired('2026-01-03T00:00:00.000Z'), 1);
});
