import t from 'tap';
import { advisory, bearer, birthForAge, build, call, createChild, createTitle, signUp, titleInput, tokenFor } from '../helper.js';

t.test('allow-list mode: nothing is OK but what the parents allowed, in verdicts, batches and the catalogue', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const gentle = await createTitle(app, editor, titleInput({ name: 'Gentle', advisory: advisory({ ageRecommendation: 4 }) }));
  const chosen = await createTitle(app, editor, titleInput({ name: 'Chosen', advisory: advisory({ ageRecommendation: 6 }) }));
  const asked = await createTitle(app, editor, titleInput({ name: 'Asked For' }));
  const parents = await signUp(app);
  const maya = await createChild(app, parents.token, { nickname: 'Maya', birth: birthForAge(10), mode: 'allowlist' });
  t.equal(maya.mode, 'allowlist');
  const get = (url: string, token = parents.token) => call(app, { method: 'GET', url, headers: bearer(token) });

  const blocked = (await get(`/v1/children/${maya.id}/verdicts/${gentle.id}`)).data;
  t.match(blocked, { status: 'blocked', allowed: false, reasons: [{ code: 'allowlist' }] });
  t.equal(blocked.message, "Not OK: 'Gentle' is not on your child's allow-list: in allow-list mode only the titles a parent allowed are OK. The rules alone would allow it.");
  t.equal((await get(`/v1/children/${maya.id}/titles`)).data.items.length, 0, 'the catalogue is empty');

  await call(app, { method: 'PUT', url: `/v1/children/${maya.id}/overrides/${chosen.id}`, headers: bearer(parents.token), payload: { decision: 'allow' } });
  const device = (await call(app, { method: 'POST', url: `/v1/children/${maya.id}/tokens`, headers: bearer(parents.token) })).data.token;
  const request = (await call(app, { method: 'POST', url: `/v1/children/${maya.id}/requests`, headers: bearer(device), payload: { title: asked.id } })).data;
  t.equal(request.status, 'pending', 'a child on an allow-list asks for what it wants');
  await call(app, { method: 'POST', url: `/v1/children/${maya.id}/requests/${request.id}/approve`, headers: bearer(parents.token), payload: {} });

  t.match((await get(`/v1/children/${maya.id}/verdicts/${chosen.id}`)).data, { allowed: true, decidedBy: 'override' });
  const batch = await call(app, { method: 'POST', url: `/v1/children/${maya.id}/verdicts`, headers: bearer(parents.token), payload: { titles: [gentle.id, chosen.id, asked.id] } });
  t.same(batch.data.items.map((i: { allowed: boolean }) => i.allowed), [false, true, true], 'the approved request is on the list too');
  t.same((await get(`/v1/children/${maya.id}/titles?sort=name`)).data.items.map((i: { name: string }) => i.name), ['Asked For', 'Chosen']);

  const back = await call(app, { method: 'PATCH', url: `/v1/children/${maya.id}`, headers: bearer(parents.token), payload: { mode: 'limits' } });
  t.equal(back.statusCode, 200);
  t.match((await get(`/v1/children/${maya.id}/verdicts/${gentle.id}`)).data, { allowed: true }, 'back to the rules');
  t.equal((await call(app, { method: 'PATCH', url: `/v1/children/${maya.id}`, headers: bearer(parents.token), payload: { mode: 'whitelist' } })).statusCode, 400);
});
