/**
 * OWASP API Security Top 10 (2023), API4: Unrestricted Resource Consumption. Every request, page,
 * batch and body has a ceiling, and what lies past it is a clear 4xx problem, never a 500 and
 * never work done anyway: rate limits per token and per client address, the verdict quota,
 * page sizes, the batch size and the body size.
 */
import type { FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import { bearer, build, call, createChild, createTitle, signUp, titleInput, tokenFor } from '../helper.js';

const PROBLEM = 'application/problem+json; charset=utf-8';

function isProblem(t: Test, res: { statusCode: number; headers: Record<string, unknown>; data: any }, status: number, label: string) {
  t.equal(res.statusCode, status, label);
  t.equal(res.headers['content-type'], PROBLEM, `${label}: problem+json`);
  t.equal(res.data?.status, status, `${label}: the problem names its status`);
  t.notMatch(JSON.stringify(res.data ?? {}), /at \w+ \(|node_modules|SQLITE|select /i, `${label}: no stack trace or SQL`);
}

/** A household with a child, a title, a review and an override: something behind every list. */
async function world(app: FastifyInstance) {
  const editor = await tokenFor(app, 'editor');
  const title = await createTitle(app, editor, titleInput());
  const family = await signUp(app);
  const child = await createChild(app, family.token);
  await call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, headers: bearer(family.token), payload: { by: 'parent', ageRating: 10, stars: 4, headline: 'Fine', body: 'Fine.' } });
  await call(app, { method: 'PUT', url: `/v1/children/${child.id}/overrides/${title.id}`, headers: bearer(family.token), payload: { decision: 'allow' } });
  return { editor, title, family, child };
}

t.test('anonymous scraping is cut off per client address, with a 429 that says when to come back', async (t) => {
  const app = await build(t, { RATE_LIMIT_ANONYMOUS: 10, RATE_LIMIT_TOKEN: 20 });
  let served = 0;
  let refused;
  for (let i = 0; i < 15; i++) {
    const res = await call(app, { method: 'GET', url: `/v1/titles?limit=100&q=page${i}`, remoteAddress: '203.0.113.10' });
    if (res.statusCode === 200) served++;
    else refused ??= res;
  }
  t.equal(served, 10, 'ten a minute from one address, as configured');
  isProblem(t, refused!, 429, 'the eleventh');
  t.equal(refused!.data.type, 'urn:guidepost:problem:rate-limited');
  t.ok(Number(refused!.headers['retry-after']) > 0, 'Retry-After');
  t.match(refused!.headers['ratelimit-policy'], /^"anonymous";q=10;w=60$/);
  t.match(refused!.headers.ratelimit, /^"anonymous";r=0;t=\d+$/);
  const verdict = await call(app, { method: 'GET', url: '/v1/titles/tl_x/verdict?age=12', remoteAddress: '203.0.113.10' });
  t.equal(verdict.statusCode, 429, 'age verdicts share the allowance');
});

t.test('a token is cut off per token, and so is a household minting more tokens', async (t) => {
  const app = await build(t, { RATE_LIMIT_ANONYMOUS: 100, RATE_LIMIT_TOKEN: 5 });
  const family = await signUp(app);
  const tokens = [family.token];
  // Every mint spends the household's allowance too: five new tokens, and it is spent.
  for (let i = 0; i < 5; i++) tokens.push((await call(app, { method: 'POST', url: '/v1/households/me/tokens', headers: bearer(family.token) })).data.token);
  for (const token of tokens) {
    const res = await call(app, { method: 'GET', url: '/v1/children', headers: bearer(token) });
    isProblem(t, res, 429, 'each of the household’s tokens');
    t.match(res.headers['ratelimit-policy'], /"token";q=5;w=60/);
  }
  const editor = await tokenFor(app, 'editor');
  t.equal((await call(app, { method: 'GET', url: '/v1/titles', headers: bearer(editor) })).statusCode, 200, 'other tokens are unaffected');
});

t.test('the verdict quota: a token cannot judge the whole catalogue in an hour', async (t) => {
  const app = await build(t, { VERDICT_QUOTA: 250 });
  const { title, family, child } = await world(app);
  const batch = () => call(app, { method: 'POST', url: `/v1/children/${child.id}/verdicts`, headers: bearer(family.token), payload: { titles: Array(100).fill(title.id) } });
  t.equal((await batch()).statusCode, 200);
  t.equal((await batch()).statusCode, 200);
  const third = await batch();
  isProblem(t, third, 429, 'the third batch of 100 (50 left)');
  t.match(third.data.detail, /verdict quota is 250 titles an hour/);
  t.ok(Number(third.headers['retry-after']) > 0);
  t.match(third.headers['ratelimit-policy'], /"verdicts";q=250;w=3600;qu="titles"/);
  t.equal((await app.inject({ method: 'GET', url: `/v1/children/${child.id}/verdicts/${title.id}`, headers: bearer(family.token) })).statusCode, 200, 'the 50 left still serve');
});

t.test('page sizes are capped at 100 on every list', async (t) => {
  const app = await build(t);
  const { editor, title, family, child } = await world(app);
  const lists: [string, string | undefined][] = [
    ['/v1/titles', undefined],
    [`/v1/titles/${title.id}/reviews`, undefined],
    ['/v1/children', family.token],
    [`/v1/children/${child.id}/titles`, family.token],
    [`/v1/children/${child.id}/overrides`, family.token],
    ['/v1/flags', editor],
  ];
  for (const [url, token] of lists) {
    const headers = token ? bearer(token) : {};
    for (const limit of ['101', '1000000', '0', '-1', '1e2', '']) {
      const res = await call(app, { method: 'GET', url: `${url}?limit=${limit}`, headers });
      isProblem(t, res, 400, `${url}?limit=${limit}`);
      t.match(res.data.errors, [{ path: 'query.limit' }]);
    }
    t.equal((await call(app, { method: 'GET', url: `${url}?limit=100`, headers })).statusCode, 200, `${url}?limit=100`);
    const oversizedCursor = await call(app, { method: 'GET', url: `${url}?cursor=${'a'.repeat(2001)}`, headers });
    isProblem(t, oversizedCursor, 400, `${url} with a 2,001-character cursor`);
  }
  const titles = await call(app, { method: 'GET', url: '/v1/titles' });
  t.ok(titles.data.items.length <= 20, 'the default page is 20');
});

t.test('a batch holds at most 100 titles', async (t) => {
  const app = await build(t);
  const { title, family, child } = await world(app);
  const batch = (titles: unknown[]) => call(app, { method: 'POST', url: `/v1/children/${child.id}/verdicts`, headers: bearer(family.token), payload: { titles } });
  t.equal((await batch(Array(100).fill(title.id))).statusCode, 200, '100 is fine');
  const tooMany = await batch(Array(101).fill(title.id));
  isProblem(t, tooMany, 400, '101 titles');
  t.match(tooMany.data.errors, [{ path: 'titles' }]);
  isProblem(t, await batch(Array(10_000).fill(title.id)), 400, '10,000 titles');
  isProblem(t, await batch(['x'.repeat(201)]), 400, 'a reference of 201 characters');
  isProblem(t, await batch([]), 400, 'an empty batch');
});

t.test('bodies over BODY_LIMIT are refused before they are parsed', async (t) => {
  const app = await build(t, { BODY_LIMIT: 4096 });
  const editor = await tokenFor(app, 'editor');
  const big = await call(app, { method: 'POST', url: '/v1/titles', headers: { ...bearer(editor), 'content-type': 'application/json' }, payload: JSON.stringify(titleInput({ synopsis: 'x'.repeat(5000) })) });
  isProblem(t, big, 413, 'a 5 KB title against a 4 KB limit');
  t.equal(big.data.type, 'urn:guidepost:problem:payload-too-large');
  t.equal(await app.store.titles.count(), 0, 'nothing was created');
  const anonymous = await call(app, { method: 'POST', url: '/v1/households', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ name: 'x'.repeat(8000) }) });
  isProblem(t, anonymous, 413, 'an anonymous sign-up too');
  const fits = await call(app, { method: 'POST', url: '/v1/titles', headers: bearer(editor), payload: titleInput({ synopsis: 'x'.repeat(3000) }) });
  t.equal(fits.statusCode, 201, 'a body under the limit goes through');
});

t.test('every text field has a ceiling, so a body under the limit still cannot be stuffed', async (t) => {
  const app = await build(t);
  const { title, family } = await world(app);
  const editor = await tokenFor(app, 'editor');
  const cases: [string, string, string, unknown][] = [
    ['a 4,001-character review', 'POST', `/v1/titles/${title.id}/reviews`, { by: 'parent', ageRating: 10, stars: 4, headline: 'Long', body: 'x'.repeat(4001) }],
    ['a 41-character nickname', 'POST', '/v1/children', { nickname: 'x'.repeat(41), birth: '2014' }],
    ['a 1,001-character flag note', 'POST', `/v1/titles/${title.id}/flags`, { reason: 'other', note: 'x'.repeat(1001) }],
  ];
  for (const [label, method, url, payload] of cases) {
    isProblem(t, await call(app, { method: method as 'POST', url, headers: bearer(family.token), payload: payload as object }), 400, label);
  }
  isProblem(t, await call(app, { method: 'POST', url: '/v1/titles', headers: bearer(editor), payload: titleInput({ genres: Array(1000).fill('drama') }) }), 400, '1,000 genres');
  isProblem(t, await call(app, { method: 'GET', url: `/v1/titles?q=${'x'.repeat(201)}` }), 400, 'a 201-character search');
  isProblem(t, await call(app, { method: 'GET', url: `/v1/titles/${'x'.repeat(1001)}` }), 414, 'a 1,001-character path parameter');
});

t.test('a household holds at most CHILDREN_PER_HOUSEHOLD children and TOKENS_PER_HOUSEHOLD live tokens; past that a 409 that stores nothing', async (t) => {
  const app = await build(t, { CHILDREN_PER_HOUSEHOLD: 3, TOKENS_PER_HOUSEHOLD: 2 });
  const family = await signUp(app);
  const other = await signUp(app);
  const as = (token: string, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) => call(app, { method, url, headers: bearer(token), ...(payload && { payload }) });
  const kids = [];
  for (let i = 0; i < 3; i++) kids.push(await createChild(app, family.token, { nickname: `Kid ${i}` }));
  const fourth = await as(family.token, 'POST', '/v1/children', { nickname: 'Kid 3', birth: '2015' });
  isProblem(t, fourth, 409, 'a fourth child');
  t.match(fourth.data.detail, /already has 3 children/);
  t.equal((await as(family.token, 'GET', '/v1/children')).data.items.length, 3, 'the fourth was not stored');
  t.equal((await as(other.token, 'POST', '/v1/children', { nickname: 'Theirs', birth: '2015' })).statusCode, 201, 'another household is not held back');
  t.equal((await as(family.token, 'DELETE', `/v1/children/${kids[0].id}`)).statusCode, 204);
  // One place free and five requests for it at once: one gets it, whatever the backend interleaves.
  const racing = await Promise.all(Array.from({ length: 5 }, (_, i) => as(family.token, 'POST', '/v1/children', { nickname: `Racer ${i}`, birth: '2015' })));
  t.same(racing.map((r) => r.statusCode).sort(), [201, 409, 409, 409, 409], 'exactly one takes the place');
  t.equal((await as(family.token, 'GET', '/v1/children')).data.items.length, 3);

  // The sign-up's token and one more are two: a third is refused until one is revoked.
  const minted = await as(family.token, 'POST', '/v1/households/me/tokens', {});
  t.equal(minted.statusCode, 201);
  const third = await as(family.token, 'POST', '/v1/households/me/tokens', {});
  isProblem(t, third, 409, 'a third live token');
  t.match(third.data.detail, /already holds 2 tokens/);
  t.equal((await as(family.token, 'GET', '/v1/households/me/tokens')).data.items.length, 2, 'the third was not stored');
  t.equal((await as(family.token, 'DELETE', `/v1/households/me/tokens/${minted.data.id}`)).statusCode, 204);
  t.equal((await as(family.token, 'POST', '/v1/households/me/tokens', {})).statusCode, 201, 'a revoked token frees its place');

  // Revoked tokens stay listed, so minting is limited too: 20 an hour, however many are revoked.
  const tokens = (await as(other.token, 'GET', '/v1/households/me/tokens')).data.items.length;
  for (let i = 0; i < 20; i++) {
    const mint = await as(other.token, 'POST', '/v1/households/me/tokens', {});
    t.equal(mint.statusCode, 201, `mint ${i + 1}`);
    t.equal((await as(other.token, 'DELETE', `/v1/households/me/tokens/${mint.data.id}`)).statusCode, 204);
  }
  const flood = await as(other.token, 'POST', '/v1/households/me/tokens', {});
  isProblem(t, flood, 429, 'the 21st token minted in the hour');
  t.match(flood.data.detail, /At most 20 of these an hour per household \(the "tokens" limit/);
  t.equal((await as(other.token, 'GET', '/v1/households/me/tokens')).data.items.length, tokens + 20, 'and it was not stored');
});
