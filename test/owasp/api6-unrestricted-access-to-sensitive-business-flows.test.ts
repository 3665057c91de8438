/**
 * OWASP API6:2023 Unrestricted Access to Sensitive Business Flows — flows that hurt when
 * automated: mass sign-up, review stuffing (skewing the community ages parents rely on), flag
 * floods against a title or a review (burying the moderation queue), helpful-mark inflation.
 * Sign-up can be closed to all but admins; each household writes one review per title (and one
 * per child), holds one open flag per target, marks a review helpful once and never its own;
 * and beyond that each household has an hourly budget per flow, answered 429 with Retry-After,
 * which does not touch other households. Sign-up is bounded per client address, by the hour
 * (RATE_LIMIT_SIGNUP) and by the general limit on requests without a token (RATE_LIMIT_ANONYMOUS).
 */
import t from 'tap';
import { bearer, build, call, createTitle, signUp, titleInput, tokenFor } from '../helper.js';
import { buildWorld } from '../security/world.js';

const rateLimited = { type: 'urn:guidepost:problem:rate-limited', status: 429, title: 'Too Many Requests' };

t.test('with SIGNUP=closed only an admin creates households', async (t) => {
  const app = await build(t, { SIGNUP: 'closed' });
  const [editor, admin] = [await tokenFor(app, 'editor'), await tokenFor(app, 'admin')];
  t.equal((await call(app, { method: 'POST', url: '/v1/households', payload: {} })).statusCode, 401);
  t.equal((await call(app, { method: 'POST', url: '/v1/households', headers: bearer(editor), payload: {} })).statusCode, 403);
  const made = await call(app, { method: 'POST', url: '/v1/households', headers: bearer(admin), payload: {} });
  t.equal(made.statusCode, 201, 'an admin does');
  t.equal((await call(app, { method: 'POST', url: '/v1/households', headers: bearer(made.data.token.token), payload: {} })).statusCode, 403, 'a household cannot make more');
  t.equal((await call(app, { method: 'GET', url: '/v1/households/me', headers: bearer(made.data.token.token) })).statusCode, 200);
});

t.test('mass sign-up from one address is cut off by the per-address limit on requests without a token', async (t) => {
  const app = await build(t, { RATE_LIMIT_ANONYMOUS: 5 });
  for (let i = 0; i < 5; i++) t.equal((await call(app, { method: 'POST', url: '/v1/households', payload: {} })).statusCode, 201);
  const over = await call(app, { method: 'POST', url: '/v1/households', payload: {} });
  t.equal(over.statusCode, 429, 'the sixth sign-up in the minute');
  t.match(over.data, { type: 'urn:guidepost:problem:rate-limited', status: 429 });
  t.ok(Number(over.headers['retry-after']) > 0);
  const other = await call(app, { method: 'POST', url: '/v1/households', payload: {}, remoteAddress: '203.0.113.9' });
  t.equal(other.statusCode, 201, 'another address still signs up');
});

t.test('sign-ups: RATE_LIMIT_SIGNUP an hour per address, then 429 with nothing stored; other addresses and admins are not held back', async (t) => {
  const { app, tokens, digest } = await buildWorld(t, { RATE_LIMIT_SIGNUP: 3 });
  const admin = tokens.admin;
  const signUpFrom = (remoteAddress: string, headers = {}) => call(app, { method: 'POST', url: '/v1/households', payload: {}, headers, remoteAddress });
  for (let i = 0; i < 3; i++) {
    if (i === 2) {
      // With one sign-up left, one refused as bad input does not spend it.
      const bad = await call(app, { method: 'POST', url: '/v1/households', payload: { name: 5 }, remoteAddress: '198.51.100.7' });
      t.equal(bad.statusCode, 400, 'a sign-up refused as bad input');
    }
    const made = await signUpFrom('198.51.100.7');
    t.equal(made.statusCode, 201);
    t.match(made.headers.ratelimit, new RegExp(`"signup";r=${2 - i};t=\\d+`), 'RateLimit says what is left');
    t.match(made.headers['ratelimit-policy'], '"signup";q=3;w=3600');
  }
  const before = await digest();
  const over = await signUpFrom('198.51.100.7');
  t.equal(over.statusCode, 429, 'the fourth sign-up in the hour');
  t.match(over.data, { ...rateLimited, detail: /At most 3 requests an hour signing households up from one address/ });
  t.ok(Number(over.headers['retry-after']) > 3500, 'Retry-After: the rest of the hour');
  t.equal(await digest(), before, 'no household was made');
  t.equal((await signUpFrom('198.51.100.8')).statusCode, 201, 'another address still signs up');
  for (let i = 0; i < 4; i++) t.equal((await signUpFrom('198.51.100.7', bearer(admin))).statusCode, 201, `an admin's sign-up ${i + 1} from the same address`);
});

t.test('one review per household per title, one open flag per target, no flags or helpful marks on your own review', async (t) => {
  const w = await buildWorld(t);
  const before = await w.digest();
  const as = (token: string, method: 'POST', url: string, payload?: object) => call(w.app, { method, url, headers: bearer(token), ...(payload && { payload }) });
  const again = await as(w.tokens.household, 'POST', `/v1/titles/${w.titles.her}/reviews`, { by: 'parent', ageRating: 3, stars: 5, headline: 'Again', body: 'Again.' });
  t.equal(again.statusCode, 409, 'a second parent review of the same title');
  t.equal((await as(w.tokens.household, 'POST', `/v1/titles/${w.titles.toyStory}/flags`, { reason: 'other' })).statusCode, 409, 'a second open flag on a title');
  t.equal((await as(w.tokens.otherHousehold, 'POST', `/v1/reviews/${w.reviews.a}/flags`, { reason: 'other' })).statusCode, 409, 'a second open flag on a review');
  t.equal((await as(w.tokens.household, 'POST', `/v1/reviews/${w.reviews.a}/flags`, { reason: 'spam' })).statusCode, 403, 'flagging your own review');
  t.equal((await as(w.tokens.household, 'POST', `/v1/reviews/${w.reviews.a}/helpful`)).statusCode, 403, 'marking your own review helpful');
  t.equal(await w.digest(), before, 'none of it was stored');
  t.equal((await as(w.tokens.household, 'POST', `/v1/reviews/${w.reviews.b}/helpful`)).statusCode, 201);
  t.equal((await as(w.tokens.household, 'POST', `/v1/reviews/${w.reviews.b}/helpful`)).statusCode, 409, 'a second helpful mark');
});

t.test('review writes: 30 an hour per household, then 429 with Retry-After, other households unaffected', async (t) => {
  const w = await buildWorld(t);
  const url = `/v1/titles/${w.titles.book}/reviews`;
  const created = await call(w.app, { method: 'POST', url, headers: bearer(w.tokens.household), payload: { by: 'parent', ageRating: 12, stars: 4, headline: 'Fine', body: 'Fine.' } });
  t.equal(created.statusCode, 201);
  // The world's household wrote one review this hour already: with this one and 28 changes, 30.
  for (let i = 2; i < 30; i++) {
    const res = await call(w.app, { method: 'PATCH', url: `/v1/reviews/${created.data.id}`, headers: bearer(w.tokens.household), payload: { stars: 1 + (i % 5) } });
    t.equal(res.statusCode, 200, `write ${i + 1}`);
  }
  const before = await w.digest();
  const over = await call(w.app, { method: 'PATCH', url: `/v1/reviews/${created.data.id}`, headers: bearer(w.tokens.household), payload: { stars: 5 } });
  t.equal(over.statusCode, 429, 'the 31st write in the hour');
  t.match(over.data, rateLimited);
  t.ok(Number(over.headers['retry-after']) > 0, 'Retry-After says when');
  const create = await call(w.app, { method: 'POST', url: `/v1/titles/${w.titles.toyStory}/reviews`, headers: bearer(w.tokens.household), payload: { by: 'parent', ageRating: 5, stars: 5, headline: 'x', body: 'x' } });
  t.equal(create.statusCode, 429, 'creating counts against the same budget');
  t.equal((await call(w.app, { method: 'DELETE', url: `/v1/reviews/${created.data.id}`, headers: bearer(w.tokens.household) })).statusCode, 429, 'so does deleting');
  t.equal(await w.digest(), before, 'nothing over the budget was written');
  const other = await call(w.app, { method: 'POST', url, headers: bearer(w.tokens.otherHousehold), payload: { by: 'parent', ageRating: 14, stars: 3, headline: 'Ours', body: 'Ours.' } });
  t.equal(other.statusCode, 201, 'another household still writes');
});

t.test('flags: 20 an hour per household across titles and reviews, then 429', async (t) => {
  const w = await buildWorld(t);
  const titles = [];
  for (let i = 0; i < 20; i++) titles.push(await createTitle(w.app, w.tokens.editor, titleInput({ name: `Flag target ${i}` })));
  // The world's household already raised one title flag this hour; with the review flag below that makes 20.
  t.equal((await call(w.app, { method: 'POST', url: `/v1/reviews/${w.reviews.b}/flags`, headers: bearer(w.tokens.household), payload: { reason: 'spam' } })).statusCode, 201);
  for (const title of titles.slice(0, 18)) {
    t.equal((await call(w.app, { method: 'POST', url: `/v1/titles/${title.id}/flags`, headers: bearer(w.tokens.household), payload: { reason: 'inaccurate' } })).statusCode, 201);
  }
  const over = await call(w.app, { method: 'POST', url: `/v1/titles/${titles[18].id}/flags`, headers: bearer(w.tokens.household), payload: { reason: 'inaccurate' } });
  t.equal(over.statusCode, 429, 'the 21st flag in the hour');
  t.match(over.data, rateLimited);
  const fresh = await signUp(w.app);
  t.equal((await call(w.app, { method: 'POST', url: `/v1/titles/${titles[18].id}/flags`, headers: bearer(fresh.token), payload: { reason: 'inaccurate' } })).statusCode, 201, 'another household still flags');
});

t.test('helpful marks: 120 marks and take-backs an hour per household, then 429', async (t) => {
  const w = await buildWorld(t);
  const url = `/v1/reviews/${w.reviews.b}/helpful`;
  for (let i = 0; i < 120; i++) {
    const res = await call(w.app, { method: i % 2 === 0 ? 'POST' : 'DELETE', url, headers: bearer(w.tokens.household) });
    if (res.statusCode >= 300) t.fail(`mark ${i + 1}: ${res.statusCode}`);
  }
  const over = await call(w.app, { method: 'POST', url, headers: bearer(w.tokens.household) });
  t.equal(over.statusCode, 429, 'the 121st in the hour');
  t.match(over.data, rateLimited);
  const review = await call(w.app, { method: 'GET', url: `/v1/reviews/${w.reviews.b}` });
  t.equal(review.data.helpful, 0, 'the count was not inflated');
});
