import type { FastifyInstance, InjectOptions } from 'fastify';
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { RedisCounters, WindowCounters } from '../../src/plugins/counters.js';
import { redisUrl } from '../services.js';
import { bearer, build, call, createChild, createTitle, signUp, titleInput, tokenFor } from '../helper.js';

/** Parses `"name";a=1;b="x", …` into { name: { a: '1', b: 'x' } }. */
function items(header: unknown): Record<string, Record<string, string>> {
  if (typeof header !== 'string') return {};
  return Object.fromEntries(
    header.split(/,\s*/).map((item) => {
      const [name, ...params] = item.split(';');
      return [JSON.parse(name!), Object.fromEntries(params.map((p) => p.split('=') as [string, string]).map(([k, v]) => [k, v.replace(/^"|"$/g, '')]))];
    }),
  );
}

async function until429(app: FastifyInstance, options: InjectOptions, max = 50) {
  for (let i = 1; i <= max; i++) {
    const res = await call(app, options);
    if (res.statusCode === 429) return { res, n: i };
  }
  throw new Error(`no 429 within ${max} requests`);
}

t.test('anonymous requests: a limit per client address, with RateLimit headers and a 429 problem', async (t) => {
  const app = await build(t, { RATE_LIMIT_ANONYMOUS: 3, RATE_LIMIT_TOKEN: 10 });
  const from = (remoteAddress: string, url = '/v1/titles') => call(app, { method: 'GET', url, remoteAddress });
  for (let i = 1; i <= 3; i++) {
    const res = await from('198.51.100.1');
    t.equal(res.statusCode, 200);
    t.same(items(res.headers['ratelimit-policy']), { anonymous: { q: '3', w: '60' } });
    const state = items(res.headers.ratelimit).anonymous!;
    t.equal(Number(state.r), 3 - i, `request ${i}: ${3 - i} left`);
    t.ok(Number(state.t) > 0 && Number(state.t) <= 60, 'and when the window resets');
  }
  const over = await from('198.51.100.1', '/v1/categories');
  t.equal(over.statusCode, 429, 'the limit spans every route');
  t.equal(over.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.match(over.data, { type: 'urn:guidepost:problem:rate-limited', title: 'Too Many Requests', status: 429, detail: /At most 3 requests a minute from one address without a token.*"anonymous".*try again in \d+ seconds/ });
  const retryAfter = Number(over.headers['retry-after']);
  t.ok(retryAfter > 0 && retryAfter <= 60, 'Retry-After says when');
  t.same(items(over.headers.ratelimit), { anonymous: { r: '0', t: String(retryAfter) } }, 'RateLimit agrees with Retry-After');
  t.equal((await from('198.51.100.1', '/v1/nowhere')).statusCode, 429, 'unknown routes count too');

  t.equal((await from('198.51.100.2')).statusCode, 200, 'another address has its own allowance');
  t.equal((await from('::ffff:198.51.100.1')).statusCode, 429, 'an IPv4-mapped IPv6 address is the IPv4 address');
  for (let i = 0; i < 3; i++) t.equal((await from(`2001:db8:1:2::${i + 1}`)).statusCode, 200);
  t.equal((await from('2001:db8:1:2:ffff::9')).statusCode, 429, 'IPv6 addresses count by their /64');
  t.equal((await from('2001:db8:1:3::1')).statusCode, 200, 'another /64 is another client');

  const editor = await tokenFor(app, 'editor');
  const withToken = await call(app, { method: 'GET', url: '/v1/titles', remoteAddress: '198.51.100.1', headers: bearer(editor) });
  t.equal(withToken.statusCode, 200, 'a token has its own allowance, whatever its address spent');
  t.same(items(withToken.headers['ratelimit-policy']), { token: { q: '10', w: '60' } });
});

t.test('tokens: a limit per token, a household’s tokens sharing one', async (t) => {
  const app = await build(t, { RATE_LIMIT_ANONYMOUS: 100, RATE_LIMIT_TOKEN: 4 });
  const family = await signUp(app);
  const minted = await call(app, { method: 'POST', url: '/v1/households/me/tokens', headers: bearer(family.token) });
  t.equal(items(minted.headers.ratelimit).token!.r, '3', 'minting spent one');
  const second = minted.data.token;
  t.equal((await call(app, { method: 'GET', url: '/v1/me', headers: bearer(second) })).statusCode, 200);
  t.equal((await call(app, { method: 'GET', url: '/v1/me', headers: bearer(family.token) })).statusCode, 200);
  t.equal((await call(app, { method: 'GET', url: '/v1/households/me', headers: bearer(second) })).statusCode, 200);
  const over = await call(app, { method: 'GET', url: '/v1/me', headers: bearer(second) });
  t.equal(over.statusCode, 429, 'the household’s two tokens spent one allowance: minting tokens buys nothing');
  t.match(over.data.detail, /At most 4 requests a minute per household token/);
  t.equal((await call(app, { method: 'GET', url: '/v1/titles', headers: bearer(family.token) })).statusCode, 429);

  const editor = await tokenFor(app, 'editor');
  const admin = await tokenFor(app, 'admin');
  const { n } = await until429(app, { method: 'GET', url: '/v1/me', headers: bearer(editor) });
  t.equal(n, 5, 'a staff token gets four a minute, then a 429');
  t.equal((await call(app, { method: 'GET', url: '/v1/me', headers: bearer(admin) })).statusCode, 200, 'each staff token has its own');
  const forbidden = await until429(app, { method: 'GET', url: '/v1/flags', headers: bearer(family.token) }, 1);
  t.equal(forbidden.n, 1, 'a route the token may not use still counts (the limit comes before the role check)');
  t.equal((await call(app, { method: 'GET', url: '/v1/titles' })).statusCode, 200, 'anonymous requests from the same address are not affected');
});

t.test('health checks are exempt, and 0 turns a limit off', async (t) => {
  const app = await build(t, { RATE_LIMIT_ANONYMOUS: 1, RATE_LIMIT_TOKEN: 1 });
  for (let i = 0; i < 5; i++) {
    for (const url of ['/healthz', '/readyz']) {
      const res = await app.inject({ method: 'GET', url });
      t.equal(res.statusCode, 200, url);
      t.notOk(res.headers.ratelimit, `${url} carries no RateLimit header`);
    }
  }
  const off = await build(t, { RATE_LIMIT_ANONYMOUS: 0, RATE_LIMIT_TOKEN: 0 });
  const family = await signUp(off);
  for (let i = 0; i < 20; i++) {
    const res = await off.inject({ method: 'GET', url: '/v1/titles' });
    t.equal(res.statusCode, 200);
    t.notOk(res.headers['ratelimit-policy'], 'no policy applies');
  }
  t.notOk((await off.inject({ method: 'GET', url: '/v1/me', headers: bearer(family.token) })).headers.ratelimit);

  const tokensOnly = await build(t, { RATE_LIMIT_ANONYMOUS: 0, RATE_LIMIT_TOKEN: 2 });
  for (let i = 0; i < 5; i++) t.equal((await tokensOnly.inject({ method: 'GET', url: '/v1/titles' })).statusCode, 200, 'anonymous: off');
  const editor = await tokenFor(tokensOnly, 'editor');
  t.equal((await until429(tokensOnly, { method: 'GET', url: '/v1/titles', headers: bearer(editor) })).n, 3, 'tokens: on');
});

t.test('refused tokens: an address guessing tokens is turned away before any lookup', async (t) => {
  const app = await build(t, { RATE_LIMIT_ANONYMOUS: 3, RATE_LIMIT_TOKEN: 100 });
  const editor = await tokenFor(app, 'editor');
  const unknown = 'gp_ed_' + 'A'.repeat(32);
  const guess = (token: string, remoteAddress = '192.0.2.50') => call(app, { method: 'GET', url: '/v1/me', remoteAddress, headers: bearer(token) });
  for (let i = 0; i < 3; i++) t.equal((await guess(i === 1 ? 'not-a-token' : unknown + String(i).repeat(6))).statusCode, 401);
  const blocked = await guess(editor);
  t.equal(blocked.statusCode, 429, 'even a good token from that address waits out the window');
  t.match(blocked.data, { type: 'urn:guidepost:problem:rate-limited', detail: /unknown, revoked or malformed tokens/ });
  t.ok(Number(blocked.headers['retry-after']) > 0);
  t.same(items(blocked.headers['ratelimit-policy']), { 'refused-tokens': { q: '3', w: '60' } });
  t.equal((await call(app, { method: 'GET', url: '/v1/titles', remoteAddress: '192.0.2.50' })).statusCode, 200, 'requests without a token still go through');
  t.equal((await guess(editor, '192.0.2.51')).statusCode, 200, 'another address is not affected');
  for (let i = 0; i < 5; i++) t.equal((await guess(editor, '192.0.2.52')).statusCode, 200, 'good tokens never add to the count');
});

t.test('behind a trusted proxy, the forwarded address counts; otherwise X-Forwarded-For is ignored', async (t) => {
  const direct = await build(t, { RATE_LIMIT_ANONYMOUS: 2 });
  const spoof = (app: FastifyInstance, forwarded: string) =>
    app.inject({ method: 'GET', url: '/v1/titles', remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': forwarded } });
  t.equal((await spoof(direct, '203.0.113.1')).statusCode, 200);
  t.equal((await spoof(direct, '203.0.113.2')).statusCode, 200);
  t.equal((await spoof(direct, '203.0.113.3')).statusCode, 429, 'a client cannot name its own address');

  const proxied = await build(t, { RATE_LIMIT_ANONYMOUS: 2, TRUST_PROXY: ['10.0.0.0/8'] });
  for (const client of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
    t.equal((await spoof(proxied, client)).statusCode, 200, `${client} through the proxy`);
  }
  t.equal((await spoof(proxied, '203.0.113.1')).statusCode, 200);
  t.equal((await spoof(proxied, '203.0.113.1')).statusCode, 429, 'each forwarded client has its own allowance');
});

t.test('the verdict quota counts titles, not calls, per household', async (t) => {
  const app = await build(t, { VERDICT_QUOTA: 150 });
  const editor = await tokenFor(app, 'editor');
  const title = await createTitle(app, editor, titleInput());
  const family = await signUp(app);
  const child = await createChild(app, family.token);
  const batch = (n: number, token = family.token, childId = child.id) =>
    call(app, { method: 'POST', url: `/v1/children/${childId}/verdicts`, headers: bearer(token), payload: { titles: Array(n).fill(title.id) } });

  const hundred = await batch(100);
  t.equal(hundred.statusCode, 200);
  t.same(items(hundred.headers['ratelimit-policy']).verdicts, { q: '150', w: '3600', qu: 'titles' });
  t.equal(items(hundred.headers.ratelimit).verdicts!.r, '50', 'a batch of 100 spends 100');

  const tooBig = await batch(60);
  t.equal(tooBig.statusCode, 429, 'a batch that does not fit is refused whole');
  t.equal(tooBig.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.match(tooBig.data, {
    type: 'urn:guidepost:problem:rate-limited',
    status: 429,
    detail: /verdict quota is 150 titles an hour per household: 50 are left and this request asks for 60\. It resets in \d+ seconds, at \d{4}-\d\d-\d\dT/,
  });
  const retryAfter = Number(tooBig.headers['retry-after']);
  t.ok(retryAfter > 3500 && retryAfter <= 3600, 'Retry-After: when the hour ends');
  t.same(items(tooBig.headers.ratelimit).verdicts, { r: '50', t: String(retryAfter) });

  const second = (await call(app, { method: 'POST', url: '/v1/households/me/tokens', headers: bearer(family.token) })).data.token;
  t.equal((await batch(49, second)).statusCode, 200, 'what is left may be spent, from any token of the household');
  const single = await call(app, { method: 'GET', url: `/v1/children/${child.id}/verdicts/${title.id}`, headers: bearer(family.token) });
  t.equal(single.statusCode, 200, 'a single verdict spends one');
  t.equal(items(single.headers.ratelimit).verdicts!.r, '0');
  const none = await call(app, { method: 'GET', url: `/v1/children/${child.id}/verdicts/${title.id}`, headers: bearer(family.token) });
  t.equal(none.statusCode, 429, 'and then the quota is spent');

  const other = await signUp(app);
  const theirChild = await createChild(app, other.token);
  t.equal((await batch(100, other.token, theirChild.id)).statusCode, 200, 'another household has its own quota');

  const off = await build(t, { VERDICT_QUOTA: 0 });
  const offTitle = await createTitle(off, await tokenFor(off, 'editor'), titleInput());
  const offFamily = await signUp(off);
  const offChild = await createChild(off, offFamily.token);
  for (let i = 0; i < 3; i++) {
    const res = await call(off, { method: 'POST', url: `/v1/children/${offChild.id}/verdicts`, headers: bearer(offFamily.token), payload: { titles: Array(100).fill(offTitle.id) } });
    t.equal(res.statusCode, 200, 'VERDICT_QUOTA=0: no quota');
    t.notOk(items(res.headers['ratelimit-policy']).verdicts);
  }
});

t.test('community limits speak the same headers', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const title = await createTitle(app, editor, titleInput());
  const family = await signUp(app);
  const posted = await call(app, { method: 'POST', url: `/v1/titles/${title.id}/reviews`, headers: bearer(family.token), payload: { by: 'parent', ageRating: 10, stars: 4, headline: 'Fine', body: 'Fine.' } });
  t.equal(posted.statusCode, 201);
  t.notOk(posted.headers['x-ratelimit-limit'], 'no legacy headers');
  t.same(items(posted.headers['ratelimit-policy']), { reviews: { q: '30', w: '3600' } });
  t.equal(items(posted.headers.ratelimit).reviews!.r, '29');
  const flagged = await call(app, { method: 'POST', url: `/v1/titles/${title.id}/flags`, headers: bearer(family.token), payload: { reason: 'other' } });
  t.same(items(flagged.headers.ratelimit).flags, { r: '19', t: '3600' });
});

t.test('window counters', async (t) => {
  const counters = new WindowCounters();
  t.same(await counters.add('a', 1000, 1, 0), { count: 1, resetAt: 1000 });
  t.same(await counters.add('a', 1000, 5, 999), { count: 6, resetAt: 1000 }, 'the window holds until it ends');
  t.same(await counters.peek('a', 999), { count: 6, resetAt: 1000 });
  t.equal(await counters.peek('a', 1000), null, 'an ended window is gone');
  t.same(await counters.add('a', 1000, 1, 1000), { count: 1, resetAt: 2000 }, 'and the next starts afresh');
  t.equal(await counters.peek('b', 0), null);
  t.same(await counters.addWithin('c', 1000, 3, 4, 0), { count: 3, resetAt: 1000, added: true });
  t.same(await counters.addWithin('c', 1000, 2, 4, 10), { count: 3, resetAt: 1000, added: false }, 'what does not fit is not added');
  t.same(await counters.addWithin('c', 1000, 1, 4, 10), { count: 4, resetAt: 1000, added: true }, 'up to the limit exactly');
});

t.test('Redis counters count the same, for every instance on one prefix', async (t) => {
  const url = await redisUrl();
  const prefix = `test:${randomUUID()}:`;
  const errors: Error[] = [];
  const [one, two] = [new RedisCounters(url, prefix, (e) => errors.push(e)), new RedisCounters(url, prefix, (e) => errors.push(e))];
  t.teardown(async () => {
    await one.close();
    await two.close();
  });
  const first = await one.add('a', 60_000);
  t.equal(first.count, 1);
  t.ok(first.resetAt > Date.now() + 55_000 && first.resetAt <= Date.now() + 60_000, 'the window ends a minute from the first hit');
  t.equal((await two.add('a', 60_000, 4)).count, 5, 'the other instance counts on');
  t.equal((await one.peek('a'))!.count, 5);
  t.equal(await one.peek('b'), null);
  t.same(pick(await two.addWithin('c', 60_000, 3, 4)), { count: 3, added: true });
  t.same(pick(await one.addWithin('c', 60_000, 2, 4)), { count: 3, added: false }, 'what does not fit is not added');
  t.same(pick(await one.addWithin('c', 60_000, 1, 4)), { count: 4, added: true });
  t.same(pick(await one.addWithin('d', 60_000, 5, 4)), { count: 0, added: false }, 'nor is a first request larger than the limit');
  t.equal(await one.peek('d'), null, 'and it opens no window');
  const short = await one.add('e', 50);
  await new Promise((resolve) => setTimeout(resolve, 80));
  t.equal((await one.add('e', 50)).count, 1, 'a window ends with its expiry');
  t.ok(short.resetAt <= Date.now());
  t.same(errors, []);
});

t.test('while Redis does not answer, requests go through uncounted and the cause is heard', async (t) => {
  const errors: Error[] = [];
  // A port nothing listens on.
  const counters = new RedisCounters('redis://127.0.0.1:1', 'test:', (e) => errors.push(e));
  t.teardown(() => counters.close());
  t.equal((await counters.add('a', 60_000)).count, 0);
  t.equal((await counters.addWithin('a', 60_000, 1, 1)).added, true);
  t.equal(await counters.peek('a'), null);
  t.ok(errors.length >= 3, 'each failure is reported');
});

const pick = ({ count, added }: { count: number; added: boolean }) => ({ count, added });
