import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { advisory, bearer, birthForAge, build, call, createChild, createTitle, signUp, titleInput, tokenFor } from '../helper.js';

async function family(app: FastifyInstance) {
  const editor = await tokenFor(app, 'editor');
  const gentle = await createTitle(app, editor, titleInput({ name: 'Gentle', advisory: advisory({ ageRecommendation: 6 }) }));
  const scary = await createTitle(app, editor, titleInput({ name: 'Scary', advisory: advisory({ ageRecommendation: 13 }) }));
  const parents = await signUp(app);
  const maya = await createChild(app, parents.token, { nickname: 'Maya', birth: birthForAge(10) });
  const device = (await call(app, { method: 'POST', url: `/v1/children/${maya.id}/tokens`, headers: bearer(parents.token) })).data.token as string;
  const as = (token: string) => (method: string, url: string, payload?: object) => call(app, { method: method as 'GET', url, headers: bearer(token), ...(payload !== undefined ? { payload } : {}) });
  return { gentle, scary, parents, maya, child: as(device), parent: as(parents.token) };
}

t.test('a child asks for a blocked title; the parents approve it for the weekend, and the verdicts follow', async (t) => {
  const app = await build(t);
  const { gentle, scary, maya, child, parent } = await family(app);
  const asked = await child('POST', `/v1/children/${maya.id}/requests`, { title: scary.id, note: 'Everyone in my class saw it' });
  t.equal(asked.statusCode, 201);
  t.match(asked.data, { childId: maya.id, title: { id: scary.id, name: 'Scary' }, note: 'Everyone in my class saw it', status: 'pending', reason: null, decidedAt: null });
  t.equal(asked.headers.location, `/v1/children/${maya.id}/requests/${asked.data.id}`);
  const again = await child('POST', `/v1/children/${maya.id}/requests`, { title: `${scary.id}`, note: 'please' });
  t.equal(again.statusCode, 200, 'asking again answers the one pending');
  t.equal(again.data.id, asked.data.id);
  const allowed = await child('POST', `/v1/children/${maya.id}/requests`, { title: gentle.id });
  t.equal(allowed.statusCode, 409, 'nothing to ask for a title already allowed');
  t.match(allowed.data.detail, /'Gentle' is already allowed, so there is nothing to ask for: OK at age 10/);

  const pending = await parent('GET', '/v1/households/me/requests?status=pending');
  t.same(pending.data.items.map((r: { id: string }) => r.id), [asked.data.id], 'the parents see it waiting');
  const until = new Date(Date.now() + 2 * 86_400_000).toISOString();
  const approved = await parent('POST', `/v1/children/${maya.id}/requests/${asked.data.id}/approve`, { until });
  t.equal(approved.statusCode, 200);
  t.match(approved.data, { status: 'approved', allowedUntil: until, decidedAt: /Z$/ });
  t.match((await child('GET', `/v1/children/${maya.id}/verdicts/${scary.id}`)).data, { allowed: true, decidedBy: 'override', message: /^A parent allowed 'Scary' until / });
  t.match((await parent('GET', `/v1/children/${maya.id}/verdicts/${scary.id}`)).data.message, /Asked for: "Everyone in my class saw it"/, 'the override’s note says it was asked for');
  t.match((await parent('GET', `/v1/children/${maya.id}/overrides/${scary.id}`)).data, { decision: 'allow', expiresAt: until });
  t.equal((await parent('GET', '/v1/households/me/requests?status=pending')).data.items.length, 0, 'nothing waits any more');
  t.equal((await parent('POST', `/v1/children/${maya.id}/requests/${asked.data.id}/decline`, {})).statusCode, 409, 'an answered request is answered');
  t.match((await child('GET', `/v1/children/${maya.id}/requests/${asked.data.id}`)).data, { status: 'approved' }, 'the child reads the answer');
});

t.test('a declined request tells the child why; the child may ask again', async (t) => {
  const app = await build(t);
  const { scary, maya, child, parent } = await family(app);
  const asked = (await child('POST', `/v1/children/${maya.id}/requests`, { title: 'not-a-ref' }));
  t.equal(asked.statusCode, 400);
  const first = (await child('POST', `/v1/children/${maya.id}/requests`, { title: scary.id })).data;
  const declined = await parent('POST', `/v1/children/${maya.id}/requests/${first.id}/decline`, { reason: 'Too scary for now; at 12, maybe.' });
  t.match(declined.data, { status: 'declined', reason: 'Too scary for now; at 12, maybe.', allowedUntil: null });
  const list = await child('GET', `/v1/children/${maya.id}/requests`);
  t.match(list.data.items, [{ id: first.id, status: 'declined', reason: 'Too scary for now; at 12, maybe.' }]);
  t.match((await child('GET', `/v1/children/${maya.id}/verdicts/${scary.id}`)).data, { allowed: false }, 'still blocked');
  const second = await child('POST', `/v1/children/${maya.id}/requests`, { title: scary.id });
  t.equal(second.statusCode, 201, 'a new request once the last was answered');
});

t.test('the child may not answer; other children and households are not there; past and unknown requests are refused', async (t) => {
  const app = await build(t);
  const { scary, parents, maya, child, parent } = await family(app);
  const asked = (await child('POST', `/v1/children/${maya.id}/requests`, { title: scary.id })).data;
  t.equal((await child('POST', `/v1/children/${maya.id}/requests/${asked.id}/approve`, {})).statusCode, 403, 'a child cannot approve its own request');
  t.equal((await child('GET', '/v1/households/me/requests')).statusCode, 403);
  t.equal((await parent('POST', `/v1/children/${maya.id}/requests/${asked.id}/approve`, { until: '2001-01-01T00:00:00Z' })).statusCode, 400, 'an expiry in the past');
  t.equal((await parent('GET', `/v1/children/${maya.id}/requests/rq_00000000000000000000`)).statusCode, 404);
  const sam = await createChild(app, parents.token, { nickname: 'Sam', birth: birthForAge(8) });
  t.equal((await child('POST', `/v1/children/${sam.id}/requests`, { title: scary.id })).statusCode, 404, 'a device asks for its own child only');
  t.equal((await parent('GET', `/v1/children/${sam.id}/requests/${asked.id}`)).statusCode, 404, 'a request is found under its own child');
  const other = await signUp(app);
  t.equal((await call(app, { method: 'POST', url: `/v1/children/${maya.id}/requests/${asked.id}/approve`, headers: bearer(other.token) })).statusCode, 404, 'another household’s child is not there');
  t.equal((await call(app, { method: 'GET', url: '/v1/households/me/requests', headers: bearer(other.token) })).data.items.length, 0);
});

t.test('an unanswered request expires: it cannot be approved, and the child may ask again', async (t) => {
  const app = await build(t, { REQUEST_TTL_HOURS: 1 });
  const { scary, maya, child, parent } = await family(app);
  const asked = (await child('POST', `/v1/children/${maya.id}/requests`, { title: scary.id })).data;
  t.ok(Date.parse(asked.expiresAt) - Date.parse(asked.createdAt) === 3_600_000, 'REQUEST_TTL_HOURS after it was made');
  // An hour on: the same request as stored, read at a later time.
  const later = new Date(Date.parse(asked.expiresAt) + 1000);
  const { requests } = app.services;
  await t.rejects(requests.answer((await parent('GET', '/v1/households/me')).data.id, maya.id, asked.id, { status: 'approved', allowedUntil: null }, later), /expired at/);
  const list = await requests.listRequests((await parent('GET', '/v1/households/me')).data.id, maya.id, { limit: 10, after: () => undefined }, true, later);
  t.equal(list.items.length, 0, 'no longer pending');
  const again = await app.store.requests.create(maya.id, scary.id, null, later.toISOString(), new Date(later.getTime() + 3_600_000).toISOString());
  t.ok(again.created, 'a new request takes the expired one’s place');
  t.equal((await app.store.requests.get(maya.id, asked.id))!.status, 'expired', 'which stays, expired');
});

t.test('requests go with the child, and with the household', async (t) => {
  const app = await build(t);
  const { scary, parents, maya, child, parent } = await family(app);
  await child('POST', `/v1/children/${maya.id}/requests`, { title: scary.id });
  t.equal((await app.store.rowCounts()).watch_requests, 1);
  t.equal((await parent('DELETE', `/v1/children/${maya.id}`)).statusCode, 204);
  t.equal((await app.store.rowCounts()).watch_requests, 0);
  t.equal(await app.store.households.footprint(parents.id), 2, 'the household and its token');
});

t.test('the child never reads the parents’ notes; the export holds the requests; an approval’s time is kept as an override’s', async (t) => {
  const app = await build(t);
  const { gentle, scary, parents, maya, child, parent } = await family(app);
  await parent('PUT', `/v1/children/${maya.id}/overrides/${gentle.id}`, { decision: 'allow', note: 'because Grandma said so' });
  const byParents = (await parent('GET', `/v1/children/${maya.id}/verdicts/${gentle.id}`)).data;
  t.match(byParents.message, /because Grandma said so/);
  const byDevice = (await child('GET', `/v1/children/${maya.id}/verdicts/${gentle.id}`)).data;
  t.match(byDevice, { allowed: true, decidedBy: 'override', reasons: [{ code: 'override', note: null }] });
  t.notMatch(byDevice.message, /Grandma/, 'the device reads that a parent allowed it, not why');
  const batch = (await child('POST', `/v1/children/${maya.id}/verdicts`, { titles: [gentle.id] })).data;
  t.notMatch(JSON.stringify(batch), /Grandma/);
  const asked = await child('POST', `/v1/children/${maya.id}/requests`, { title: gentle.id });
  t.equal(asked.statusCode, 409);
  t.notMatch(asked.data.detail, /Grandma/, 'nor in the answer to asking for it');

  const made = (await child('POST', `/v1/children/${maya.id}/requests`, { title: scary.id, note: 'please' })).data;
  const until = `${new Date(Date.now() + 86_400_000).toISOString().slice(0, 19)}.1Z`;
  const approved = (await parent('POST', `/v1/children/${maya.id}/requests/${made.id}/approve`, { until })).data;
  t.equal(approved.allowedUntil, new Date(until).toISOString(), 'stored to the millisecond, as an override’s expiry');
  t.equal((await parent('GET', `/v1/children/${maya.id}/overrides/${scary.id}`)).data.expiresAt, approved.allowedUntil);

  const exported = (await parent('GET', '/v1/households/me/export')).data;
  t.match(exported.requests, [{ id: made.id, childId: maya.id, note: 'please', status: 'approved' }], 'the export holds the requests');
  t.equal(parents.id, exported.household.id);
  await t.rejects(app.store.requests.create('ch_00000000000000000000', scary.id, null, new Date().toISOString(), new Date(Date.now() + 1000).toISOString()), /No child has the id/, 'a child gone meanwhile is not found');
  t.equal(await app.store.requests.decide('ch_00000000000000000000', made.id, { status: 'declined', reason: null }, new Date().toISOString()), null);
});
