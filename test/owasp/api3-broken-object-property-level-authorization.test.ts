/**
 * OWASP API3:2023 Broken Object Property Level Authorization — mass assignment (writing a
 * property one may not) and excessive data exposure (reading one). From the document: for every
 * operation with a body, each property its answer has but its body does not (ids, timestamps,
 * counters, `hidden`, `householdId`, …) and a few internal names are sent in an otherwise valid
 * body, and each is refused (400 naming the field) with nothing changed. Every read, as every
 * kind of caller, is searched for token hashes and secrets; public reviews and the moderation
 * queue for who wrote or raised them.
 */
import t from 'tap';
import { bearer, call } from '../helper.js';
import { buildWorld } from '../security/world.js';
import { bodyFor, hasBody, keyOf, objectOf, operations, requestFor, rolesOf, tokenForRoles as tokenFor, urlFor } from './operations.js';


/** Names that must never be settable by a client, whatever the operation. */
const INTERNAL = ['householdId', 'hash', 'version', 'role', 'isAdmin', 'ownerId', 'hidden', 'deletedAt'];


t.test('every writable body refuses read-only and internal properties (400 naming them), and changes nothing', async (t) => {
  const w = await buildWorld(t);
  const writes = operations.filter(hasBody);
  t.ok(writes.length >= 14, `${writes.length} operations take a body`);
  const before = await w.digest();
  for (const op of writes) {
    const accepted = Object.keys(objectOf(op.operation.requestBody!.content['application/json']!.schema).properties ?? {});
    const success = Object.entries(op.operation.responses).find(([status]) => status.startsWith('2'))![1];
    const answered = Object.keys(objectOf(success.content?.['application/json']?.schema ?? {}).properties ?? {});
    const forbidden = [...new Set([...answered, ...INTERNAL])].filter((name) => !accepted.includes(name));
    t.ok(forbidden.length > 0, `${keyOf(op)}: ${forbidden.join(', ')}`);
    for (const name of forbidden) {
      const body = { ...(bodyFor(op, w) as object), [name]: name === 'role' ? 'admin' : name === 'hidden' ? false : 'x' };
      const res = await call(w.app, requestFor(op, w, tokenFor(w, rolesOf(op.operation)), {}, body));
      t.equal(res.statusCode, 400, `${keyOf(op)} with ${name}`);
      t.ok(res.data.errors?.some((e: { path: string }) => e.path === name), `the problem names ${name}: ${res.body.slice(0, 200)}`);
    }
  }
  t.equal(await w.digest(), before, 'no refused property was written');
});

t.test('nested objects refuse unknown properties too', async (t) => {
  const w = await buildWorld(t);
  const [putAdvisory, postTitle, postChild] = ['PUT /v1/titles/{title}/advisory', 'POST /v1/titles', 'POST /v1/children'].map((key) => operations.find((op) => keyOf(op) === key)!);
  const advisory = bodyFor(putAdvisory!, w) as { ratings: Record<string, object> };
  for (const [op, token, body, path] of [
    [putAdvisory, w.tokens.editor, { ...advisory, ratings: { ...advisory.ratings, language: { level: 1, note: 'ok', verifiedBy: 'me' } } }, 'ratings.language.verifiedBy'],
    [postTitle, w.tokens.editor, { name: 'X', kind: 'movie', externalIds: { imdb: 'tt1234567', internalId: 1 } }, 'externalIds.internalId'],
    [postTitle, w.tokens.editor, { name: 'X', kind: 'movie', certifications: [{ system: 'MPA', rating: 'PG', minimumAge: 2 }] }, 'certifications.0.minimumAge'],
    [postChild, w.tokens.household, { nickname: 'Ada', birth: '2015', limits: { language: { max: 1, source: 'preset' } } }, 'limits.language.source'],
  ] as const) {
    const res = await call(w.app, { method: op!.method as 'POST', url: urlFor(op!, w), headers: bearer(token), payload: body });
    t.equal(res.statusCode, 400, path);
    t.ok(res.data.errors?.some((e: { path: string }) => e.path === path), `names ${path}: ${res.body.slice(0, 200)}`);
  }
});

t.test('no role is gained through a body', async (t) => {
  const w = await buildWorld(t);
  for (const [url, token, payload] of [
    ['/v1/households', null, { name: 'Us', role: 'admin' }],
    ['/v1/households/me/tokens', w.tokens.household, { name: 'x', role: 'admin' }],
    ['/v1/tokens', w.tokens.admin, { role: 'household' }],
    ['/v1/tokens', w.tokens.admin, { role: 'superuser' }],
  ] as const) {
    const res = await call(w.app, { method: 'POST', url, headers: token ? bearer(token) : {}, payload });
    t.equal(res.statusCode, 400, `${url} ${JSON.stringify(payload)}`);
  }
});

t.test('no read shows a token, a token hash, or who wrote a review or raised a flag', async (t) => {
  const w = await buildWorld(t);
  const hashes = (await w.digest.query<{ hash: string }>('select hash from tokens')).map((row) => row.hash);
  t.ok(hashes.length >= 5);
  const secrets = [...hashes, ...Object.values(w.tokens).map((token) => token.slice(6, 38))];
  const callers = { nobody: null, household: w.tokens.household, other: w.tokens.otherHousehold, editor: w.tokens.editor, admin: w.tokens.admin };
  let reads = 0;
  for (const op of operations.filter((o) => o.method === 'GET')) {
    for (const [name, token] of Object.entries(callers)) {
      const res = await call(w.app, requestFor(op, w, token));
      if (res.statusCode !== 200) continue;
      reads += 1;
      for (const secret of secrets) t.notOk(res.body.includes(secret), `${keyOf(op)} as ${name} shows no token or hash`);
      t.notMatch(res.body, /"hash"\s*:/, `${keyOf(op)} as ${name} has no hash field`);
    }
  }
  t.ok(reads >= 40, `${reads} successful reads searched`);

  // Public reviews: never a household, a child or a nickname — to nobody, to another household, to editors.
  const privateOfAuthors = [w.households.a, w.households.b, w.children.a, w.children.b, 'Maya', 'Noor', 'householdId', 'childId'];
  for (const token of [null, w.tokens.otherHousehold, w.tokens.editor]) {
    for (const url of [`/v1/titles/${w.titles.her}/reviews`, `/v1/reviews/${w.reviews.a}`, `/v1/titles/${w.titles.her}`]) {
      const res = await call(w.app, { method: 'GET', url, headers: token ? bearer(token) : {} });
      t.equal(res.statusCode, 200);
      for (const value of privateOfAuthors) t.notOk(res.body.includes(value), `${url} does not show ${value}`);
    }
  }
  // The moderation queue: what was flagged, never by whom.
  const queue = await call(w.app, { method: 'GET', url: '/v1/flags', headers: bearer(w.tokens.editor) });
  t.ok(queue.data.items.length >= 2);
  for (const value of [w.households.a, w.households.b, 'householdId']) t.notOk(queue.body.includes(value), `the queue does not show ${value}`);
});
