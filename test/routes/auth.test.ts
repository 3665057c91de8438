import t from 'tap';
import { generateToken, hashToken, parseToken } from '../../src/domain/tokens.js';
import { bearer, build, call, titleInput, tokenFor } from '../helper.js';

t.test('token format: prefix, checksum, stored only as a hash', async (t) => {
  const token = generateToken('editor');
  t.match(token, /^gp_ed_[0-9A-Za-z]{38}$/);
  t.same(parseToken(token), { role: 'editor' });
  t.match(generateToken('admin'), /^gp_ad_/);
  t.match(generateToken('household'), /^gp_hh_/);
  const flipped = token.slice(0, 10) + (token[10] === 'a' ? 'b' : 'a') + token.slice(11);
  t.equal(parseToken(flipped), null, 'one changed character fails the checksum');
  t.equal(parseToken(token.slice(0, -1)), null);
  t.equal(parseToken(`gp_xx_${token.slice(6)}`), null);

  const app = await build(t);
  const created = await call(app, { method: 'GET', url: '/v1/me' });
  t.equal(created.statusCode, 401);
  const editor = await tokenFor(app, 'editor');
  const row = app.store.tokens.findByHash(hashToken(editor));
  t.ok(await row, 'found by its hash');
});

t.test('401 for a missing, malformed or unknown token; 403 for the wrong role', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const admin = await tokenFor(app, 'admin');
  const post = (headers: Record<string, string>) => call(app, { method: 'POST', url: '/v1/titles', headers, payload: titleInput() });

  const missing = await post({});
  t.equal(missing.statusCode, 401);
  t.match(missing.headers['www-authenticate'], /^Bearer/);
  t.match(missing.data.detail, /editor/);
  t.equal((await post({ authorization: 'Basic dXNlcjpwdw==' })).statusCode, 401);
  t.equal((await post({ authorization: 'Bearer' })).statusCode, 401);
  const malformed = await post(bearer('gp_ed_not-a-token'));
  t.equal(malformed.statusCode, 401);
  t.match(malformed.data.detail, /malformed/);
  const unknown = await post(bearer(generateToken('editor')));
  t.equal(unknown.statusCode, 401);
  t.match(unknown.data.detail, /unknown or has been revoked/);

  const household = generateToken('household');
  const hh = await app.store.households.create({ name: null, country: null });
  await app.store.tokens.create({ id: 'tk_household', role: 'household', householdId: hh.id, childId: null, name: null, hash: hashToken(household), hint: 'x' });
  const wrongRole = await post(bearer(household));
  t.equal(wrongRole.statusCode, 403);
  t.match(wrongRole.headers['content-type'], /^application\/problem\+json/);

  t.equal((await post(bearer(editor))).statusCode, 201);
  t.equal((await post(bearer(admin))).statusCode, 201, 'an admin may act as an editor');

  // A bad token is refused even where no token is needed.
  t.equal((await call(app, { method: 'GET', url: '/v1/titles', headers: bearer('gp_ed_bad') })).statusCode, 401);
  t.equal((await call(app, { method: 'GET', url: '/v1/titles' })).statusCode, 200);
});

t.test('GET /v1/me and admin token management', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const admin = await tokenFor(app, 'admin');
  const me = await call(app, { method: 'GET', url: '/v1/me', headers: bearer(editor) });
  t.equal(me.statusCode, 200);
  t.match(me.data, { role: 'editor', name: 'test editor', tokenId: /^tk_/ });

  t.equal((await call(app, { method: 'POST', url: '/v1/tokens', headers: bearer(editor), payload: { role: 'editor' } })).statusCode, 403);
  const minted = await call(app, { method: 'POST', url: '/v1/tokens', headers: bearer(admin), payload: { role: 'editor', name: 'Ed' } });
  t.equal(minted.statusCode, 201);
  t.equal(minted.headers['cache-control'], 'no-store');
  t.match(minted.data, { role: 'editor', name: 'Ed', token: /^gp_ed_/, revokedAt: null });
  t.equal((await call(app, { method: 'GET', url: '/v1/me', headers: bearer(minted.data.token) })).data.name, 'Ed');
  t.equal((await call(app, { method: 'POST', url: '/v1/tokens', headers: bearer(admin), payload: { role: 'household' } })).statusCode, 400);

  const list = await call(app, { method: 'GET', url: '/v1/tokens', headers: bearer(admin) });
  t.equal(list.data.items.length, 3);
  t.notOk(JSON.stringify(list.data).includes(minted.data.token), 'a listed token never shows its secret');

  t.equal((await call(app, { method: 'DELETE', url: `/v1/tokens/${minted.data.id}`, headers: bearer(admin) })).statusCode, 204);
  t.equal((await call(app, { method: 'GET', url: '/v1/me', headers: bearer(minted.data.token) })).statusCode, 401, 'a revoked token is refused');
  t.equal((await call(app, { method: 'DELETE', url: '/v1/tokens/tk_nothing', headers: bearer(admin) })).statusCode, 404);
});
