/**
 * The rules the services own, checked without HTTP: the clock and the caller are plain values,
 * so a rule about "today" or "who asks" is pinned here rather than through a request.
 */
import t, { type Test } from 'tap';
import { Conflict, Invalid, NotAllowed, NotAuthenticated, NotFound } from '../../src/domain/errors.js';
import { parseTitleRef, type TitleRef } from '../../src/domain/references.js';
import type { Caller } from '../../src/domain/tokens.js';
import { TitleInput } from '../../src/schemas/titles.js';
import { createServices } from '../../src/services/index.js';
import { signUp } from '../../src/services/households.js';
import type { ChildFields } from '../../src/store/types.js';
import { testConfig } from '../backend.js';
import { advisory, testStore } from '../helper.js';

const NOW = new Date('2030-06-15T12:00:00Z');
const TODAY = '2030-06-15';

async function world(t: Test, config = testConfig()) {
  const store = await testStore();
  t.teardown(() => store.close());
  const services = createServices(store, config);
  const { household } = await signUp(store, 'Family');
  const other = (await signUp(store, 'Others')).household;
  const title = await store.titles.create(TitleInput.parse({ name: 'Film', kind: 'movie', year: 2020, advisory: advisory({ ageRecommendation: 8 }) }));
  const ref = parseTitleRef(title.title.id) as TitleRef;
  return { store, services, household, other, ref, title };
}

/** The promise fails with this kind of domain error (and this message, when given). */
async function fails(t: Test, promise: Promise<unknown>, kind: abstract new (...args: never[]) => Error, message?: string) {
  const error = await promise.then(() => null, (e: unknown) => e);
  t.ok(error instanceof kind, `fails with ${kind.name}`);
  if (message !== undefined) t.equal((error as Error).message, message);
}

const child = (birth: string): ChildFields => ({ nickname: 'Maya', birth, limits: {}, ageRule: 'expert', unrated: 'block', withAdult: 'block', mode: 'limits', certificationCeilings: {}, blockDescriptors: [] });
const household = (id: string): Caller => ({ role: 'household', householdId: id, childId: null });

t.test('a child is born, and 30 or younger, on the day given', async (t) => {
  const { services, household } = await world(t);
  await fails(t, services.children.createChild(household.id, child('2030-07'), TODAY), Invalid, 'The request is not valid: birth: lies in the future');
  await fails(t, services.children.createChild(household.id, child('1999-05'), TODAY), Invalid);
  t.equal((await services.children.createChild(household.id, child('2000-06'), TODAY)).birth, '2000-06', '30 today is still a child profile');
});

t.test('an override must expire after now, compared as instants', async (t) => {
  const { services, household, ref } = await world(t);
  const maya = await services.children.createChild(household.id, child('2020-01'), TODAY);
  const put = (expiresAt: string) => services.children.putOverride(household.id, maya.id, ref, { decision: 'allow', note: null, expiresAt }, undefined, NOW.toISOString());
  await fails(t, put('2030-06-15T12:00:00Z'), Invalid);
  await fails(t, put('2030-06-15T13:30:00+02:00'), Invalid);
  t.equal((await put('2030-06-15T14:30:00+02:00')).override.expiresAt, '2030-06-15T12:30:00.000Z');
});

t.test('a batch answers unknown references as items, in the order asked', async (t) => {
  const { services, household, title } = await world(t);
  const maya = await services.children.createChild(household.id, child('2020-01'), TODAY);
  const items = await services.verdicts.childVerdicts(household.id, maya.id, ['nonsense', 'imdb:tt0000001', title.title.id], NOW);
  t.same(
    items.map((i) => [i.ref, i.verdict.status, i.title?.id ?? null]),
    [
      ['nonsense', 'unknown', null],
      ['imdb:tt0000001', 'unknown', null],
      [title.title.id, 'ok', title.title.id],
    ],
  );
  t.equal(items[0]!.verdict.forAge, 10, 'an unknown item still says whose age was asked about');
});

t.test('sign-up, when closed, is for admins; a refusal is not admitted', async (t) => {
  const { services } = await world(t, testConfig({ SIGNUP: 'closed' }));
  let admitted = 0;
  const admit = async () => void admitted++;
  await fails(t, services.households.signUp(null, { name: null, country: null }, admit), NotAuthenticated);
  await fails(t, services.households.signUp(household('hh'), { name: null, country: null }, admit), NotAllowed);
  t.equal(admitted, 0);
  await services.households.signUp({ role: 'admin', householdId: null, childId: null }, { name: 'By an admin', country: null }, admit);
  t.equal(admitted, 1);
});

t.test('tokens: never the household’s last, and staff revocation reaches only staff tokens', async (t) => {
  const { services, household } = await world(t);
  const [only] = await services.households.listTokens(household.id);
  await fails(t, services.households.revokeToken(household.id, only!.id), Conflict);
  await fails(t, services.households.revokeStaffToken(only!.id), NotFound);
  const minted = await services.households.mintToken(household.id, 'tablet');
  await services.households.revokeToken(household.id, only!.id);
  t.equal((await services.households.listTokens(household.id)).filter((k) => !k.revokedAt).map((k) => k.id).join(), minted.id);
});

t.test('reviews: hidden ones are seen by their author and editors, and frozen; no vote or flag on one’s own', async (t) => {
  const { services, household: author, other, ref } = await world(t);
  const { reviews } = services;
  const review = await reviews.postReview(author.id, ref, { by: 'parent', ageRating: 8, stars: 4, headline: 'Fine', body: 'Fine film.' }, TODAY);
  await fails(t, reviews.markHelpful(household(author.id), review.id), NotAllowed);
  await fails(t, reviews.flagReview(household(author.id), review.id, { reason: 'spam', note: null }), NotAllowed);
  await fails(t, reviews.updateReview(household(other.id), review.id, { stars: 1 }, undefined), NotAllowed);
  t.equal((await reviews.markHelpful(household(other.id), review.id)).helpful, 1);
  await fails(t, reviews.markHelpful(household(other.id), review.id), Conflict);

  await reviews.hideReview(review.id);
  await fails(t, reviews.getReview(household(other.id), review.id), NotFound);
  await fails(t, reviews.getReview(null, review.id), NotFound);
  t.ok(await reviews.getReview(household(author.id), review.id));
  t.ok(await reviews.getReview({ role: 'editor', householdId: null, childId: null }, review.id));
  await fails(t, reviews.deleteReview(household(author.id), review.id, undefined), NotAllowed);
  await reviews.unmarkHelpful(other.id, review.id);
});

t.test('a flag closes once', async (t) => {
  const { services, other, ref } = await world(t);
  const flag = await services.reviews.flagTitle(other.id, ref, { reason: 'other', category: null, note: null });
  t.equal((await services.reviews.closeFlag(flag.id, 'dismissed', 'fine')).status, 'dismissed');
  await fails(t, services.reviews.closeFlag(flag.id, 'resolved', 'again'), Conflict, 'The flag is already dismissed.');
  await fails(t, services.reviews.closeFlag('fl_none', 'resolved', 'x'), NotFound);
});
