/**
 * OWASP API5:2023 Broken Function Level Authorization — a user reaching functions meant for
 * another role. The route list comes from the committed OpenAPI document, where each guarded
 * operation names the role it needs: a new route is covered as soon as it is documented, and a
 * route that loses its guard fails here (the document still says what it must enforce).
 *
 * - editor and admin operations: 401 for nobody, 403 for a household token (and for an editor
 *   on admin operations), and they do let their own role through;
 * - household operations (children's data above all): 403 for editors and admins too;
 * - a child's device token: 403 wherever its role is not named, and its own child only where it is;
 * - every write is guarded, but for a short list of public writes named here;
 * - HEAD, which Fastify adds for every GET, is guarded like its GET.
 */
import t from 'tap';
import { call } from '../helper.js';
import { buildWorld } from '../security/world.js';
import { keyOf, operations, requestFor, rolesOf } from './operations.js';

/** Writes anyone may make: sign-up (SIGNUP=open; closed, it needs an admin). */
const PUBLIC_WRITES = ['POST /v1/households'];

const isProblem = /^application\/problem\+json/;

t.test('the document names a role for every write but the public ones', async (t) => {
  const unguarded = operations.filter((op) => op.method !== 'GET' && (rolesOf(op.operation) ?? []).length === 0).map(keyOf);
  t.same(unguarded, PUBLIC_WRITES);
  t.ok(operations.filter((op) => (rolesOf(op.operation) ?? []).some((r) => r === 'editor' || r === 'admin')).length >= 12, 'the staff operations were found');
});

t.test('editor and admin operations refuse nobody (401) and households (403), and let their roles in', async (t) => {
  const w = await buildWorld(t);
  const staff = operations.filter((op) => (rolesOf(op.operation) ?? []).some((r) => r === 'editor' || r === 'admin'));
  for (const op of staff) {
    const roles = rolesOf(op.operation)!;
    const name = keyOf(op);
    const anonymous = await call(w.app, requestFor(op, w, null));
    t.equal(anonymous.statusCode, 401, `${name} as nobody`);
    t.match(anonymous.headers['content-type'], isProblem);
    t.match(anonymous.headers['www-authenticate'], /^Bearer/);
    for (const token of [w.tokens.household, w.tokens.otherHousehold]) {
      const res = await call(w.app, requestFor(op, w, token));
      t.equal(res.statusCode, 403, `${name} as a household`);
      t.match(res.data, { type: 'urn:guidepost:problem:forbidden' });
    }
    const editor = await call(w.app, requestFor(op, w, w.tokens.editor));
    if (roles.includes('editor')) t.notOk([401, 403].includes(editor.statusCode), `${name} lets an editor in (${editor.statusCode} ${editor.body.slice(0, 120)})`);
    else t.equal(editor.statusCode, 403, `${name} is for admins only`);
  }
  // Admins last: an admin may do all an editor may (the writes above have changed the world by now, so any answer but 401/403 will do).
  for (const op of staff) {
    const admin = await call(w.app, requestFor(op, w, w.tokens.admin));
    t.notOk([401, 403].includes(admin.statusCode), `${keyOf(op)} lets an admin in`);
  }
});

t.test('household operations refuse nobody (401), editors and admins (403): children’s data is the family’s alone', async (t) => {
  const w = await buildWorld(t);
  const household = operations.filter((op) => rolesOf(op.operation)?.includes('household'));
  t.ok(household.length >= 20, 'the household operations were found');
  for (const op of household) {
    const name = keyOf(op);
    t.equal((await call(w.app, requestFor(op, w, null))).statusCode, 401, `${name} as nobody`);
    for (const [role, token] of [['editor', w.tokens.editor], ['admin', w.tokens.admin]] as const) {
      const res = await call(w.app, requestFor(op, w, token));
      t.equal(res.statusCode, 403, `${name} as ${role}`);
      t.notMatch(res.body, /Maya|Noor|Sam/, 'and no child data in the refusal');
    }
  }
});

t.test('a child’s device token: 403 on every operation its role is not named on; its own child’s let in, any other child not there', async (t) => {
  const w = await buildWorld(t);
  const guarded = operations.filter((op) => rolesOf(op.operation)?.length);
  const open = guarded.filter((op) => rolesOf(op.operation)!.includes('child'));
  t.ok(open.length >= 4, 'the operations open to a child’s device were found');
  for (const op of guarded) {
    const name = keyOf(op);
    if (!open.includes(op)) {
      const res = await call(w.app, requestFor(op, w, w.tokens.child));
      t.equal(res.statusCode, 403, `${name} refuses a child's device`);
      t.notMatch(res.body, /Maya|Noor|Sam/, 'and no child data in the refusal');
      continue;
    }
    // A device writes only its own child's kid review.
    const kidReview = keyOf(op) === 'POST /v1/titles/{title}/reviews' ? { by: 'kid', childId: w.children.a, ageRating: 10, stars: 4, headline: 'Fun', body: 'Good one.' } : undefined;
    const own = await call(w.app, requestFor(op, w, w.tokens.child, { child: w.children.a }, kidReview));
    t.notOk([401, 403, 404].includes(own.statusCode), `${name} lets the child's device in (${own.statusCode} ${own.body.slice(0, 120)})`);
    if (!op.path.includes('{child}')) continue;
    for (const other of [w.children.a2, w.children.b]) {
      const res = await call(w.app, requestFor(op, w, w.tokens.child, { child: other }));
      t.equal(res.statusCode, 404, `${name}: another child is not there for it`);
      t.notMatch(res.body, /Noor|Sam/);
    }
  }
});

t.test('operations for any token refuse nobody; public reads need none', async (t) => {
  const w = await buildWorld(t);
  for (const op of operations) {
    const roles = rolesOf(op.operation);
    const res = await call(w.app, requestFor(op, w, null));
    if (roles === null) t.notOk([401, 403].includes(res.statusCode), `${keyOf(op)} is public`);
    else t.equal(res.statusCode, 401, `${keyOf(op)} needs a token`);
  }
});

t.test('HEAD is guarded like the GET it mirrors', async (t) => {
  const w = await buildWorld(t);
  for (const op of operations.filter((o) => o.method === 'GET' && rolesOf(o.operation)?.length)) {
    const head = { ...op, method: 'HEAD' };
    t.equal((await call(w.app, requestFor(head, w, null))).statusCode, 401, `HEAD ${op.path} as nobody`);
    const wrong = rolesOf(op.operation)!.includes('household') ? w.tokens.editor : w.tokens.household;
    t.equal((await call(w.app, requestFor(head, w, wrong))).statusCode, 403, `HEAD ${op.path} with the wrong role`);
  }
});
