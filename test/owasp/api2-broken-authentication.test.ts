/**
 * OWASP API2:2023 Broken Authentication — tokens that can be forged, guessed, leaked or outlive
 * their revocation. Every operation of the document refuses a bad token (malformed, mistyped,
 * unknown, revoked, a household's after its erasure) with a 401 problem and WWW-Authenticate,
 * public ones included; tokens are random and checksummed; the database holds only their hashes;
 * a secret is shown once and never again; a token is read from the Authorization header only.
 * (Guessing at speed is API4's: see api4-unrestricted-resource-consumption.test.ts.)
 */
import t from 'tap';
import { generateToken, hashToken, parseToken } from '../../src/domain/tokens.js';
import { bearer, call } from '../helper.js';
import { buildWorld } from '../security/world.js';
import { keyOf, operations, requestFor } from './operations.js';

t.test('every operation refuses a bad token with 401, even one that needs no token', async (t) => {
  const w = await buildWorld(t);
  const { household } = w.tokens;
  const bad: Record<string, string> = {
    malformed: 'Bearer not-a-token',
    'a mistyped token (checksum)': `Bearer ${household.slice(0, 10)}${household[10] === 'a' ? 'b' : 'a'}${household.slice(11)}`,
    'an unknown token': `Bearer ${w.tokens.unknown}`,
    'a revoked token': `Bearer ${w.tokens.revoked}`,
    'another scheme': `Basic ${Buffer.from(`user:${household}`).toString('base64')}`,
    'two tokens': `Bearer ${household} ${w.tokens.admin}`,
    'an empty bearer': 'Bearer ',
  };
  const before = await w.digest();
  for (const op of operations) {
    for (const [name, authorization] of Object.entries(bad)) {
      const res = await call(w.app, { ...requestFor(op, w, null), headers: { authorization } });
      t.equal(res.statusCode, 401, `${keyOf(op)} with ${name}`);
      t.match(res.headers['www-authenticate'], /^Bearer realm=/);
      t.match(res.data, { type: 'urn:guidepost:problem:unauthorized', status: 401 });
    }
  }
  t.equal(await w.digest(), before, 'no bad token changed anything');
});

t.test('a revoked token and the tokens of an erased household stop working at once', async (t) => {
  const w = await buildWorld(t);
  const minted = await call(w.app, { method: 'POST', url: '/v1/tokens', headers: bearer(w.tokens.admin), payload: { role: 'editor', name: 'leaving' } });
  t.equal((await call(w.app, { method: 'GET', url: '/v1/me', headers: bearer(minted.data.token) })).statusCode, 200);
  await call(w.app, { method: 'DELETE', url: `/v1/tokens/${minted.data.id}`, headers: bearer(w.tokens.admin) });
  t.equal((await call(w.app, { method: 'GET', url: '/v1/me', headers: bearer(minted.data.token) })).statusCode, 401, 'revoked: refused on the next request');

  const second = await call(w.app, { method: 'POST', url: '/v1/households/me/tokens', headers: bearer(w.tokens.otherHousehold), payload: {} });
  t.equal((await call(w.app, { method: 'DELETE', url: '/v1/households/me', headers: bearer(w.tokens.otherHousehold) })).statusCode, 204);
  for (const token of [w.tokens.otherHousehold, second.data.token]) {
    t.equal((await call(w.app, { method: 'GET', url: '/v1/me', headers: bearer(token) })).statusCode, 401, 'every token of an erased household is gone');
  }
});

t.test('a token is read from the Authorization header only', async (t) => {
  const w = await buildWorld(t);
  const { admin } = w.tokens;
  for (const request of [
    { url: `/v1/me?access_token=${admin}` },
    { url: `/v1/me?token=${admin}` },
    { url: '/v1/me', headers: { cookie: `token=${admin}; session=${admin}` } },
    { url: '/v1/me', headers: { 'x-api-key': admin, 'x-auth-token': admin } },
    { url: '/v1/me', headers: { 'proxy-authorization': `Bearer ${admin}` } },
  ]) {
    const res = await call(w.app, { method: 'GET', ...request });
    t.ok([400, 401].includes(res.statusCode), `${request.url} ${JSON.stringify(request.headers ?? {})}: ${res.statusCode}`);
  }
});

t.test('tokens: prefixed by role, random, checksummed, so a near miss is refused without a lookup', async (t) => {
  const tokens = Array.from({ length: 2000 }, () => generateToken('household'));
  t.equal(new Set(tokens).size, tokens.length, 'no repeats');
  for (const token of tokens.slice(0, 50)) t.match(token, /^gp_hh_[0-9A-Za-z]{38}$/);
  const counts = new Map<string, number>();
  for (const token of tokens) for (const char of token.slice(6, 38)) counts.set(char, (counts.get(char) ?? 0) + 1);
  t.equal(counts.size, 62, 'every base62 character turns up');
  const expected = (tokens.length * 32) / 62;
  t.ok([...counts.values()].every((n) => Math.abs(n - expected) < expected * 0.25), 'about evenly (32 characters ≈ 190 bits)');
  t.equal(parseToken(generateToken('editor'))?.role, 'editor');
  let refused = 0;
  for (const token of tokens.slice(0, 200)) {
    const i = 6 + (token.charCodeAt(10) % 32);
    const typo = `${token.slice(0, i)}${token[i] === 'Z' ? 'Y' : 'Z'}${token.slice(i + 1)}`;
    if (!parseToken(typo)) refused += 1;
  }
  t.equal(refused, 200, 'every one-character typo fails the checksum');
  t.equal(parseToken(`gp_ad_${tokens[0]!.slice(6)}`), null, 'the role prefix cannot be swapped: the checksum covers it');
});

t.test('the database holds hashes, never a token; a secret is shown once', async (t) => {
  const w = await buildWorld(t);
  const everything = Object.values((await w.digest.snapshot()).rows).flat().join('\n');
  for (const [name, token] of Object.entries(w.tokens).filter(([name]) => name !== 'unknown')) {
    t.notOk(everything.includes(token), `the ${name} token is not stored`);
    t.notOk(everything.includes(token.slice(6, 38)), 'nor its random part');
    t.ok(everything.includes(hashToken(token)), 'its SHA-256 is');
  }
  for (const [url, token] of [
    ['/v1/households/me/tokens', w.tokens.household],
    ['/v1/households/me/export', w.tokens.household],
    ['/v1/tokens', w.tokens.admin],
    ['/v1/me', w.tokens.admin],
  ] as const) {
    const res = await call(w.app, { method: 'GET', url, headers: bearer(token) });
    t.equal(res.statusCode, 200);
    for (const secret of Object.values(w.tokens)) t.notOk(res.body.includes(secret.slice(6, 38)), `${url} shows no secret`);
    t.notMatch(res.body, /"token"\s*:/, `${url} has no token field`);
  }
});
