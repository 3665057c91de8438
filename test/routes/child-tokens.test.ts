import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { advisory, bearer, birthForAge, build, call, createChild, createTitle, signUp, titleInput, tokenFor } from '../helper.js';

async function family(app: FastifyInstance) {
  const editor = await tokenFor(app, 'editor');
  const film = await createTitle(app, editor, titleInput({ name: 'Gentle', advisory: advisory({ ageRecommendation: 6 }) }));
  const strong = await createTitle(app, editor, titleInput({ name: 'Strong', advisory: advisory({ ageRecommendation: 16 }) }));
  const parents = await signUp(app);
  const maya = await createChild(app, parents.token, { nickname: 'Maya', birth: birthForAge(10) });
  const sam = await createChild(app, parents.token, { nickname: 'Sam', birth: birthForAge(7) });
  const minted = await call(app, { method: 'POST', url: `/v1/children/${maya.id}/tokens`, headers: bearer(parents.token), payload: { name: 'Maya’s tablet' } });
  return { editor, film, strong, parents, maya, sam, minted };
}

t.test('a parent mints a token for a child’s device: it is shown once, listed masked, and knows its child', async (t) => {
  const app = await build(t);
  const { parents, maya, minted } = await family(app);
  t.equal(minted.statusCode, 201);
  t.match(minted.data, { role: 'child', childId: maya.id, householdId: parents.id, name: 'Maya’s tablet', token: /^gp_ch_[0-9A-Za-z]{38}$/ });
  t.equal(minted.headers['cache-control'], 'no-store');
  const listed = await call(app, { method: 'GET', url: '/v1/households/me/tokens', headers: bearer(parents.token) });
  const device = listed.data.items.find((i: { id: string }) => i.id === minted.data.id);
  t.match(device, { role: 'child', childId: maya.id, hint: /^gp_ch_…/ });
  t.notOk(listed.body.includes(minted.data.token), 'never the secret');
  t.match((await call(app, { method: 'GET', url: '/v1/me', headers: bearer(minted.data.token) })).data, { role: 'child', childId: maya.id, householdId: parents.id });
});

t.test('a child token asks about its own child only, and nothing else', async (t) => {
  const app = await build(t);
  const { film, strong, parents, maya, sam, minted } = await family(app);
  const device = minted.data.token;
  const as = (method: string, url: string, payload?: unknown) => call(app, { method: method as 'GET', url, headers: bearer(device), ...(payload ? { payload } : {}) });

  t.match((await as('GET', `/v1/children/${maya.id}/verdicts/${film.id}`)).data, { allowed: true });
  t.match((await as('GET', `/v1/children/${maya.id}/verdicts/${strong.id}`)).data, { allowed: false });
  t.equal((await as('POST', `/v1/children/${maya.id}/verdicts`, { titles: [film.id, strong.id] })).data.items.length, 2);
  t.same((await as('GET', `/v1/children/${maya.id}/titles`)).data.items.map((i: { id: string }) => i.id), [film.id]);
  const review = await as('POST', `/v1/titles/${film.id}/reviews`, { by: 'kid', childId: maya.id, ageRating: 6, stars: 5, headline: 'Fun', body: 'I liked it a lot.' });
  t.equal(review.statusCode, 201, 'the child posts its own kid review');

  for (const [what, method, url, payload] of [
    ['its profile, limits and all', 'GET', `/v1/children/${maya.id}`],
    ['its limits changed', 'PATCH', `/v1/children/${maya.id}`, { limits: { violence: { max: 5 } } }],
    ['an override', 'PUT', `/v1/children/${maya.id}/overrides/${strong.id}`, { decision: 'allow' }],
    ['its overrides', 'GET', `/v1/children/${maya.id}/overrides`],
    ['a token for itself', 'POST', `/v1/children/${maya.id}/tokens`, {}],
    ['the children', 'GET', '/v1/children'],
    ['the household', 'GET', '/v1/households/me'],
    ['the tokens', 'GET', '/v1/households/me/tokens'],
    ['the export', 'GET', '/v1/households/me/export'],
    ['a parent review', 'POST', `/v1/titles/${strong.id}/reviews`, { by: 'parent', ageRating: 12, stars: 3, headline: 'Hm', body: 'Not sure about it.' }],
    ['a review for its sibling', 'POST', `/v1/titles/${strong.id}/reviews`, { by: 'kid', childId: sam.id, ageRating: 12, stars: 3, headline: 'Hm', body: 'Not sure about it.' }],
    ['a flag', 'POST', `/v1/titles/${strong.id}/flags`, { reason: 'other', note: 'hm' }],
    ['an editor’s write', 'POST', '/v1/titles', titleInput({ name: 'Mine' })],
  ] as const) {
    const res = await as(method, url, payload);
    t.equal(res.statusCode, 403, what);
    t.notOk(res.body.includes('Sam'), `${what}: nothing of its sibling`);
  }
  for (const url of [`/v1/children/${sam.id}/verdicts/${film.id}`, `/v1/children/${sam.id}/titles`, `/v1/titles/${film.id}/episodes?child=${sam.id}`]) {
    const res = await as('GET', url);
    t.equal(res.statusCode, 404, `its sibling is not there for it: ${url}`);
  }
  const other = await signUp(app);
  const noor = await createChild(app, other.token, { nickname: 'Noor' });
  t.equal((await as('GET', `/v1/children/${noor.id}/verdicts/${film.id}`)).statusCode, 404, 'nor is another household’s child');
  t.equal((await call(app, { method: 'GET', url: `/v1/children/${maya.id}`, headers: bearer(parents.token) })).statusCode, 200, 'the parents still read it all');
});

t.test('revoked by the parents, or erased with its child, a child token opens nothing; the parents’ last token stays theirs', async (t) => {
  const app = await build(t);
  const { film, parents, maya, sam, minted } = await family(app);
  const revoke = (id: string) => call(app, { method: 'DELETE', url: `/v1/households/me/tokens/${id}`, headers: bearer(parents.token) });
  const own = (await call(app, { method: 'GET', url: '/v1/me', headers: bearer(parents.token) })).data.tokenId;
  t.equal((await revoke(own)).statusCode, 409, 'a child’s device token does not stand in for the parents’ last one');
  t.equal((await revoke(minted.data.id)).statusCode, 204);
  t.equal((await call(app, { method: 'GET', url: `/v1/children/${maya.id}/verdicts/${film.id}`, headers: bearer(minted.data.token) })).statusCode, 401, 'revoked');

  const samsTablet = await call(app, { method: 'POST', url: `/v1/children/${sam.id}/tokens`, headers: bearer(parents.token) });
  t.equal(samsTablet.statusCode, 201, 'no body needed');
  t.equal(samsTablet.data.name, null);
  t.equal((await call(app, { method: 'DELETE', url: `/v1/children/${sam.id}`, headers: bearer(parents.token) })).statusCode, 204);
  t.equal((await call(app, { method: 'GET', url: '/v1/me', headers: bearer(samsTablet.data.token) })).statusCode, 401, 'erased with the child');
  const tokens = (await call(app, { method: 'GET', url: '/v1/households/me/tokens', headers: bearer(parents.token) })).data.items;
  t.notOk(tokens.some((i: { id: string }) => i.id === samsTablet.data.id), 'and gone from the list');
});

t.test('at most five live device tokens a child; an unknown child has none', async (t) => {
  const app = await build(t);
  const { parents, maya } = await family(app);
  const mint = (child: string) => call(app, { method: 'POST', url: `/v1/children/${child}/tokens`, headers: bearer(parents.token), payload: {} });
  for (let i = 0; i < 4; i++) t.equal((await mint(maya.id)).statusCode, 201);
  const sixth = await mint(maya.id);
  t.equal(sixth.statusCode, 409);
  t.match(sixth.data.detail, /The child already has 5 tokens/);
  t.equal((await call(app, { method: 'POST', url: '/v1/households/me/tokens', headers: bearer(parents.token), payload: {} })).statusCode, 201, 'the household’s own are counted apart');
  t.equal((await mint('ch_00000000000000000000')).statusCode, 404);
  t.equal((await call(app, { method: 'POST', url: `/v1/children/${maya.id}/tokens`, headers: bearer(parents.token), payload: { name: '' } })).statusCode, 400);
});

t.test('a child’s device sees its own reviews as its own, and none of its sibling’s hidden ones', async (t) => {
  const app = await build(t);
  const { editor, film, parents, maya, sam, minted } = await family(app);
  const post = (token: string, childId: string) =>
    call(app, { method: 'POST', url: `/v1/titles/${film.id}/reviews`, headers: bearer(token), payload: { by: 'kid', childId, ageRating: 6, stars: 4, headline: 'Fun', body: 'A good one.' } });
  const mine = (await post(minted.data.token, maya.id)).data;
  const sams = (await post(parents.token, sam.id)).data;
  t.equal((await call(app, { method: 'POST', url: `/v1/reviews/${sams.id}/hide`, headers: bearer(editor) })).statusCode, 200);
  t.equal((await call(app, { method: 'GET', url: `/v1/reviews/${sams.id}`, headers: bearer(minted.data.token) })).statusCode, 404, 'a sibling’s hidden review is not there for the device');
  t.equal((await call(app, { method: 'GET', url: `/v1/reviews/${sams.id}`, headers: bearer(parents.token) })).statusCode, 200, 'the parents still see it');
  const listed = (await call(app, { method: 'GET', url: `/v1/titles/${film.id}/reviews`, headers: bearer(minted.data.token) })).data.items;
  t.same(listed.map((r: { id: string; mine: boolean }) => [r.id, r.mine]), [[mine.id, true]], 'its own review is its own');
});

t.test('a child’s device spends allowances of its own: a tablet run wild never locks the parents out', async (t) => {
  const app = await build(t, { VERDICT_QUOTA: 3 });
  const { film, parents, maya, minted } = await family(app);
  const verdict = (token: string) => call(app, { method: 'GET', url: `/v1/children/${maya.id}/verdicts/${film.id}`, headers: bearer(token) });
  for (let i = 0; i < 3; i++) t.equal((await verdict(minted.data.token)).statusCode, 200);
  t.equal((await verdict(minted.data.token)).statusCode, 429, 'the device’s quota is spent');
  t.equal((await verdict(parents.token)).statusCode, 200, 'the parents’ is not');
});
