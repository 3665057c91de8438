/**
 * OWASP API1:2023 Broken Object Level Authorization — reaching another user's object by its id.
 * Household A aims every operation of the document that takes an object id at household B's
 * objects: B's children (and through them verdicts, catalogue and overrides) answer 404 exactly
 * like an id that never existed; B's reviews cannot be changed or deleted (403) and B's hidden
 * review is not there (404); B's tokens cannot be revoked (404). Nothing of B changes (the
 * database digest is the same before and after), nothing of B is shown, and the same requests
 * aimed at A's own objects work, so the refusals are not refusals of everything.
 */
import t from 'tap';
import { bearer, call } from '../helper.js';
import { buildWorld, type World } from '../security/world.js';
import { keyOf, operations, requestFor, rolesOf } from './operations.js';

const householdOps = operations.filter((op) => rolesOf(op.operation)?.includes('household'));
const byParam = (name: string) => householdOps.filter((op) => op.path.includes(`{${name}}`));

/** What B's objects must never show to A. */
const secretsOfB = (w: World) => [w.children.b, 'Noor', w.households.b, w.tokenIds.otherHousehold];

t.test("another household's child is a 404, exactly like a child that never existed, on every child route", async (t) => {
  const w = await buildWorld(t);
  const ops = byParam('child');
  t.ok(ops.length >= 10, `${ops.length} child operations`);
  const before = await w.digest();
  for (const op of ops) {
    const theirs = await call(w.app, requestFor(op, w, w.tokens.household, { child: w.children.b }));
    const nobody = await call(w.app, requestFor(op, w, w.tokens.household, { child: 'ch_00000000000000000000' }));
    t.equal(theirs.statusCode, 404, keyOf(op));
    t.equal(nobody.statusCode, 404);
    t.equal(theirs.data.detail.replace(w.children.b, 'X'), nobody.data.detail.replace('ch_00000000000000000000', 'X'), 'the same answer as for no child at all');
    for (const secret of secretsOfB(w)) t.notOk(theirs.body.replace(w.children.b, '').includes(secret), `${keyOf(op)} shows nothing of B`);
  }
  t.equal(await w.digest(), before, "nothing of B's changed");
  const own = await call(w.app, { method: 'GET', url: `/v1/children/${w.children.b}`, headers: bearer(w.tokens.otherHousehold) });
  t.match(own.data, { nickname: 'Noor' }, 'B still sees its child as it was');

  // The same requests on A's own child go through (reads first, the delete last).
  for (const op of [...ops].sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'))) {
    const mine = await call(w.app, requestFor(op, w, w.tokens.household, { child: op.method === 'DELETE' && op.path === '/v1/children/{child}' ? w.children.a2 : w.children.a }));
    t.ok(mine.statusCode < 300, `${keyOf(op)} works on our own child (${mine.statusCode} ${mine.body.slice(0, 100)})`);
  }
});

t.test("another household's reviews: not changed, deleted or un-hidden by us; a hidden one is not there", async (t) => {
  const w = await buildWorld(t);
  const ops = byParam('review');
  t.ok(ops.length >= 5, `${ops.length} review operations`);
  const before = await w.digest();
  for (const op of ops) {
    const name = keyOf(op);
    const hidden = await call(w.app, requestFor(op, w, w.tokens.household, { review: w.reviews.hiddenB }));
    t.equal(hidden.statusCode, 404, `${name} on B's hidden review is a 404`);
    if (['PATCH /v1/reviews/{review}', 'DELETE /v1/reviews/{review}'].includes(name)) {
      const visible = await call(w.app, requestFor(op, w, w.tokens.household, { review: w.reviews.b }));
      t.equal(visible.statusCode, 403, `${name} on B's review is refused`);
    }
  }
  t.equal(await w.digest(), before, "B's reviews are as they were");
  const anonymous = await call(w.app, { method: 'GET', url: `/v1/reviews/${w.reviews.hiddenB}` });
  t.equal(anonymous.statusCode, 404, 'nor does anyone else see it');
  const author = await call(w.app, { method: 'GET', url: `/v1/reviews/${w.reviews.hiddenB}`, headers: bearer(w.tokens.otherHousehold) });
  t.equal(author.statusCode, 200, 'its author still does');
});

t.test("another household's tokens cannot be listed or revoked; our listing and export hold only ours", async (t) => {
  const w = await buildWorld(t);
  const before = await w.digest();
  const revoke = await call(w.app, { method: 'DELETE', url: `/v1/households/me/tokens/${w.tokenIds.otherHousehold}`, headers: bearer(w.tokens.household) });
  t.equal(revoke.statusCode, 404);
  t.equal(await w.digest(), before);
  t.equal((await call(w.app, { method: 'GET', url: '/v1/me', headers: bearer(w.tokens.otherHousehold) })).statusCode, 200, "B's token still works");

  for (const url of ['/v1/households/me/tokens', '/v1/households/me/export', '/v1/households/me', '/v1/children']) {
    const res = await call(w.app, { method: 'GET', url, headers: bearer(w.tokens.household) });
    t.equal(res.statusCode, 200, url);
    for (const secret of secretsOfB(w)) t.notOk(res.body.includes(secret), `${url} holds nothing of B`);
    t.ok(res.body.includes(url === '/v1/children' ? w.children.a : w.households.a), `${url} holds ours`);
  }
});

t.test('object ids carry randomness, so one id does not lead to the next (defence in depth: the checks above do not rely on it)', async (t) => {
  const w = await buildWorld(t, { CHILDREN_PER_HOUSEHOLD: 100 });
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push((await call(w.app, { method: 'POST', url: '/v1/children', headers: bearer(w.tokens.household), payload: { nickname: `Kid ${i}`, birth: '2015' } })).data.id);
  for (const id of ids) t.match(id, /^ch_[0-9a-z]{20}$/);
  const tails = ids.map((id) => id.slice(-11));
  t.equal(new Set(tails).size, ids.length, 'eleven random characters each, none repeated');
  const steps = tails.slice(1).map((tail, i) => parseInt(tail, 36) - parseInt(tails[i]!, 36));
  t.ok(new Set(steps).size > 1, 'no constant step between consecutive ids');
});
