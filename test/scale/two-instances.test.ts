/**
 * Two instances on one database, as behind a load balancer: under `npm run test:pg` on one
 * PostgreSQL schema, under `npm test` on one SQLite file (two processes may share it too).
 * Whatever one instance writes, the other reads at once, its in-memory title index included;
 * with REDIS_URL they share every rate limit, without it each counts alone.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import { buildApp } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { freshDatabase, testConfig } from '../backend.js';
import { advisory, bearer, birthForAge, call, createChild, createTitle, signUp, sixRatings, titleInput, tokenFor } from '../helper.js';
import { redisUrl } from '../services.js';

async function twoInstances(t: Test, overrides: Partial<Config> = {}): Promise<[FastifyInstance, FastifyInstance]> {
  const config = testConfig({ ...freshDatabase(t), ...overrides });
  const one = await buildApp(config);
  const two = await buildApp(config);
  t.teardown(async () => {
    await one.close();
    await two.close();
  });
  return [one, two];
}

const names = (res: { data: { items: { name: string }[] } }) => res.data.items.map((i) => i.name);

t.test('a write through one instance is read through the other, index and all', async (t) => {
  const [one, two] = await twoInstances(t);
  const editor = await tokenFor(one, 'editor');

  // Both have built their title index before the writes, so the second must follow, not build.
  t.same(names(await call(two, { method: 'GET', url: '/v1/titles' })), []);
  const created = await createTitle(one, editor, titleInput({ name: 'Paddington', advisory: advisory({ ageRecommendation: 6, ratings: sixRatings(0) }) }));
  const read = await call(two, { method: 'GET', url: `/v1/titles/${created.id}` });
  t.equal(read.statusCode, 200);
  t.same(read.data, created, 'the same title, field for field');
  t.same(names(await call(two, { method: 'GET', url: '/v1/titles' })), ['Paddington'], "in the other's list at once");

  const renamed = await call(two, { method: 'PATCH', url: `/v1/titles/${created.id}`, headers: bearer(editor), payload: { name: 'Paddington 2' } });
  t.equal(renamed.statusCode, 200, 'the token minted through one is known to the other');
  t.same(names(await call(one, { method: 'GET', url: '/v1/titles?q=paddington' })), ['Paddington 2']);
  t.same(names(await call(one, { method: 'GET', url: '/v1/titles?sort=name' })), ['Paddington 2']);

  // The other's stale If-Match is refused: versions live in the database, not in an instance.
  const stale = await call(one, { method: 'PATCH', url: `/v1/titles/${created.id}`, headers: { ...bearer(editor), 'if-match': '"1"' }, payload: { name: 'Lost' } });
  t.equal(stale.statusCode, 412);

  const family = await signUp(one);
  const reviewed = await call(one, {
    method: 'POST',
    url: `/v1/titles/${created.id}/reviews`,
    headers: bearer(family.token),
    payload: { by: 'parent', ageRating: 9, stars: 4, headline: 'Lovely', body: 'We all enjoyed it, grandparents too.' },
  });
  t.equal(reviewed.statusCode, 201);
  const listed = await call(two, { method: 'GET', url: '/v1/titles' });
  t.equal(listed.data.items[0].community.parents.count, 1, "the review counts in the other's index");

  t.equal((await call(one, { method: 'DELETE', url: `/v1/titles/${created.id}`, headers: bearer(editor) })).statusCode, 204);
  t.same(names(await call(two, { method: 'GET', url: '/v1/titles' })), [], 'and a removal leaves it');
  t.equal((await call(two, { method: 'GET', url: `/v1/titles/${created.id}` })).statusCode, 404);
});

t.test("an override set on one instance changes the other's verdicts and catalogue at once", async (t) => {
  const [one, two] = await twoInstances(t);
  const editor = await tokenFor(one, 'editor');
  const gentle = await createTitle(one, editor, titleInput({ name: 'Gentle', advisory: advisory({ ageRecommendation: 4, ratings: sixRatings(0) }) }));
  const grown = await createTitle(one, editor, titleInput({ name: 'Grown-up', advisory: advisory({ ageRecommendation: 16 }) }));
  const { token } = await signUp(two);
  const maya = await createChild(two, token, { birth: birthForAge(12) });
  const verdict = async (app: FastifyInstance, id: string) => (await call(app, { method: 'GET', url: `/v1/children/${maya.id}/verdicts/${id}`, headers: bearer(token) })).data;
  const catalogue = async (app: FastifyInstance) => names(await call(app, { method: 'GET', url: `/v1/children/${maya.id}/titles?sort=name`, headers: bearer(token) }));

  t.equal((await verdict(one, gentle.id)).status, 'ok');
  t.same(await catalogue(one), ['Gentle']);
  t.same(await catalogue(two), ['Gentle']);

  const block = await call(one, { method: 'PUT', url: `/v1/children/${maya.id}/overrides/${gentle.id}`, headers: bearer(token), payload: { decision: 'block' } });
  t.equal(block.statusCode, 201);
  const allow = await call(two, { method: 'PUT', url: `/v1/children/${maya.id}/overrides/${grown.id}`, headers: bearer(token), payload: { decision: 'allow' } });
  t.equal(allow.statusCode, 201);
  t.match(await verdict(two, gentle.id), { status: 'blocked', decidedBy: 'override' }, 'set on one, blocked on the other');
  t.match(await verdict(one, grown.id), { status: 'ok', decidedBy: 'override' });
  t.same(await catalogue(two), ['Grown-up']);
  t.same(await catalogue(one), ['Grown-up']);

  t.equal((await call(two, { method: 'DELETE', url: `/v1/children/${maya.id}/overrides/${gentle.id}`, headers: bearer(token) })).statusCode, 204);
  t.match(await verdict(one, gentle.id), { status: 'ok' }, 'the override removed on the other is gone here');

  // Limits the parents change through one instance decide the other's next verdict.
  const middle = await createTitle(two, editor, titleInput({ name: 'Middle', advisory: advisory({ ageRecommendation: 8 }) }));
  t.equal((await verdict(two, middle.id)).status, 'ok');
  const stricter = await call(one, { method: 'PATCH', url: `/v1/children/${maya.id}`, headers: bearer(token), payload: { limits: { violence: { max: 0 } } } });
  t.equal(stricter.statusCode, 200);
  t.match(await verdict(two, middle.id), { status: 'blocked' });
  t.same(await catalogue(two), ['Gentle', 'Grown-up']);
});

t.test('an idempotency key used on one instance is honoured by the other', async (t) => {
  const [one, two] = await twoInstances(t);
  const headers = { 'idempotency-key': `two-instances-${randomUUID()}` };
  const first = await call(one, { method: 'POST', url: '/v1/households', headers, payload: { name: 'Once' } });
  t.equal(first.statusCode, 201);
  const retry = await call(two, { method: 'POST', url: '/v1/households', headers, payload: { name: 'Once' } });
  t.equal(retry.statusCode, 201);
  t.equal(retry.headers['idempotent-replayed'], 'true');
  t.same(retry.data, first.data, 'the first answer, token and all: one household, not two');
});

t.test('with REDIS_URL the instances share one allowance; without it each counts alone', async (t) => {
  const limits = { RATE_LIMIT_ANONYMOUS: 4 };
  const shared = await twoInstances(t, { ...limits, REDIS_URL: await redisUrl(), REDIS_PREFIX: `test:${randomUUID()}:` });
  const statuses = async ([one, two]: FastifyInstance[]) => {
    const out: number[] = [];
    for (let i = 0; i < 3; i++) {
      out.push((await call(one!, { method: 'GET', url: '/v1/titles' })).statusCode);
      out.push((await call(two!, { method: 'GET', url: '/v1/titles' })).statusCode);
    }
    return out;
  };
  t.same(await statuses(shared), [200, 200, 200, 200, 429, 429], 'four a minute between them');
  const last = await call(shared[1], { method: 'GET', url: '/v1/titles' });
  t.match(last.headers.ratelimit, /"anonymous";r=0;t=\d+/);

  const alone = await twoInstances(t, limits);
  t.same(await statuses(alone), [200, 200, 200, 200, 200, 200], 'four a minute each');
});

t.test('the verdict quota is one quota across instances', async (t) => {
  const [one, two] = await twoInstances(t, { VERDICT_QUOTA: 3, REDIS_URL: await redisUrl(), REDIS_PREFIX: `test:${randomUUID()}:` });
  const editor = await tokenFor(one, 'editor');
  const title = await createTitle(one, editor, titleInput({ advisory: advisory() }));
  const { token } = await signUp(one);
  const maya = await createChild(one, token, { birth: birthForAge(12) });
  const ask = (app: FastifyInstance, n: number) =>
    call(app, { method: 'POST', url: `/v1/children/${maya.id}/verdicts`, headers: bearer(token), payload: { titles: Array(n).fill(title.id) } });
  t.equal((await ask(one, 2)).statusCode, 200);
  const over = await ask(two, 2);
  t.equal(over.statusCode, 429, 'two of three spent on one instance leave one on the other');
  t.match(over.data.detail, /1 are left and this request asks for 2/);
  t.equal((await ask(two, 1)).statusCode, 200);
});
