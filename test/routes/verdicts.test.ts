import t from 'tap';
import { advisory, bearer, birthForAge, build, call, createChild, createTitle, signUp, titleInput, tokenFor } from '../helper.js';

t.test('Her: not OK at 12 because of the 16+ advisory, OK at 16', async (t) => {
  const app = await build(t, { GUIDEPOST_DEMO: true });
  const at12 = await call(app, { method: 'GET', url: '/v1/titles/imdb:tt1798709/verdict?age=12' });
  t.equal(at12.statusCode, 200);
  t.match(at12.data, {
    title: { name: 'Her', kind: 'movie', year: 2013 },
    status: 'blocked',
    allowed: false,
    age: 16,
    forAge: 12,
    decidedBy: 'expert',
    reasons: [{ code: 'age', limit: 12, value: 16 }],
  });
  t.match(at12.data.message, /Not OK at age 12/);
  t.same(
    at12.data.ratings.map((r: { category: string }) => r.category),
    ['language', 'sex', 'drinking', 'violence', 'messages', 'roleModels'],
    'every rated category is listed, in table order',
  );
  t.ok(at12.data.ratings.every((r: { label: string; note: string; level: number }) => r.label && r.note && r.level >= 0));
  t.match(at12.data.certifications, [{ system: 'MPA', rating: 'R', minimumAge: 17 }]);

  const at16 = await call(app, { method: 'GET', url: '/v1/titles/imdb:tt1798709/verdict?age=16' });
  t.match(at16.data, { status: 'ok', allowed: true, age: 16, reasons: [] });
});

t.test('every verdict path: expert, certification, unrated', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const expert = await createTitle(app, editor, titleInput({ advisory: advisory({ ageRecommendation: 7 }), certifications: [{ system: 'MPA', rating: 'PG-13' }] }));
  const cert = await createTitle(app, editor, titleInput({ name: 'Cert', certifications: [{ system: 'PEGI', rating: '16' }, { system: 'ESRB', rating: 'T' }] }));
  const none = await createTitle(app, editor, titleInput({ name: 'None' }));
  const verdict = async (id: string, age: number) => (await call(app, { method: 'GET', url: `/v1/titles/${id}/verdict?age=${age}` })).data;

  t.match(await verdict(expert.id, 7), { status: 'ok', decidedBy: 'expert', age: 7 });
  t.match(await verdict(cert.id, 15), { status: 'blocked', decidedBy: 'certification', age: 16, reasons: [{ code: 'age', system: 'PEGI', value: 16 }] });
  t.match(await verdict(cert.id, 16), { status: 'ok', decidedBy: 'certification' });
  t.match(await verdict(none.id, 18), { status: 'unrated', allowed: false, decidedBy: 'none', age: null, reasons: [{ code: 'unrated' }], ratings: [] });
});

t.test('bad questions are 4xx problems', async (t) => {
  const app = await build(t, { GUIDEPOST_DEMO: true });
  for (const query of ['', '?age=1', '?age=19', '?age=twelve', '?age=12.5', '?age=12&extra=1']) {
    const res = await call(app, { method: 'GET', url: `/v1/titles/imdb:tt1798709/verdict${query}` });
    t.equal(res.statusCode, 400, query);
    t.match(res.data.errors[0].path, /^query\./, query);
  }
  t.equal((await call(app, { method: 'GET', url: '/v1/titles/imdb:tt0000001/verdict?age=12' })).statusCode, 404);
});

t.test('with an adult: the verdicts say so, a child set to allow it is OK, and the catalogue agrees', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const cinema = await createTitle(app, editor, titleInput({ name: 'Cinema', certifications: [{ system: 'BBFC', rating: '12A' }, { system: 'FSK', rating: '12' }] }));
  const strict = await createTitle(app, editor, titleInput({ name: 'Strict', certifications: [{ system: 'BBFC', rating: '15' }] }));

  const anonymous = (await call(app, { method: 'GET', url: `/v1/titles/${cinema.id}/verdict?age=10` })).data;
  t.match(anonymous, { status: 'blocked', allowed: false, withAdult: { system: 'BBFC', rating: '12A', fromAge: 8 } });
  t.match(anonymous.message, /OK with an adult: BBFC 12A admits under-12s with a parent or another adult \(Guidepost from age 8\)\.$/);
  t.equal((await call(app, { method: 'GET', url: `/v1/titles/${strict.id}/verdict?age=10` })).data.withAdult, null);

  const { token } = await signUp(app);
  const child = await createChild(app, token, { birth: birthForAge(10) });
  t.equal(child.withAdult, 'block', 'blocked by default');
  const verdict = async () => (await call(app, { method: 'GET', url: `/v1/children/${child.id}/verdicts/${cinema.id}`, headers: bearer(token) })).data;
  const listed = async () => (await call(app, { method: 'GET', url: `/v1/children/${child.id}/titles`, headers: bearer(token) })).data.items.map((i: { name: string }) => i.name);
  t.match(await verdict(), { status: 'blocked', withAdult: { rating: '12A' } });
  t.same(await listed(), []);

  const patched = await call(app, { method: 'PATCH', url: `/v1/children/${child.id}`, headers: bearer(token), payload: { withAdult: 'allow' } });
  t.equal(patched.statusCode, 200);
  t.equal(patched.data.withAdult, 'allow');
  t.match(await verdict(), { status: 'ok', allowed: true, decidedBy: 'certification', withAdult: { system: 'BBFC', rating: '12A' }, message: /^OK with an adult at age 10/ });
  t.same(await listed(), ['Cinema'], 'the catalogue lists what the verdict allows, and not the BBFC 15 title');
  const page = (await call(app, { method: 'GET', url: `/v1/children/${child.id}/titles`, headers: bearer(token) })).data;
  t.same(page.items[0].withAdult, { system: 'BBFC', rating: '12A', fromAge: 8 }, 'and says the child may watch it only with an adult');
  const easy = await createTitle(app, editor, titleInput({ name: 'Easy', certifications: [{ system: 'BBFC', rating: 'PG' }] }));
  const both = (await call(app, { method: 'GET', url: `/v1/children/${child.id}/titles?sort=name`, headers: bearer(token) })).data.items;
  t.same(both.map((i: { name: string; withAdult: unknown }) => [i.name, i.withAdult]), [['Cinema', { system: 'BBFC', rating: '12A', fromAge: 8 }], ['Easy', null]], 'a title OK on its own has none');
  await call(app, { method: 'PUT', url: `/v1/children/${child.id}/overrides/${cinema.id}`, headers: bearer(token), payload: { decision: 'allow' } });
  t.equal((await call(app, { method: 'GET', url: `/v1/children/${child.id}/titles?sort=name`, headers: bearer(token) })).data.items[0].withAdult, null, 'nor one a parent allowed outright');
  await call(app, { method: 'DELETE', url: `/v1/children/${child.id}/overrides/${cinema.id}`, headers: bearer(token) });
  t.ok(easy);
  const batch = await call(app, { method: 'POST', url: `/v1/children/${child.id}/verdicts`, headers: bearer(token), payload: { titles: [cinema.id, strict.id] } });
  t.same(batch.data.items.map((i: { verdict?: { allowed: boolean }; allowed?: boolean }) => (i.verdict ?? i).allowed), [true, false]);

  const bad = await call(app, { method: 'PATCH', url: `/v1/children/${child.id}`, headers: bearer(token), payload: { withAdult: 'sometimes' } });
  t.equal(bad.statusCode, 400);
  t.match(bad.data.detail, /withAdult/);
  t.equal((await call(app, { method: 'GET', url: `/v1/children/${child.id}`, headers: bearer(token) })).data.withAdult, 'allow', 'a refused patch changes nothing');
});

t.test('content descriptors: editors set them on a certification, a child blocks some, verdicts, batches and the catalogue agree; bad ones are 400s', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const casino = await createTitle(app, editor, titleInput({ name: 'Casino', kind: 'game', certifications: [{ system: 'PEGI', rating: '12', descriptors: ['gambling', 'violence'] }] }));
  const quiet = await createTitle(app, editor, titleInput({ name: 'Quiet', kind: 'game', certifications: [{ system: 'PEGI', rating: '7', descriptors: ['violence'] }] }));
  t.same(casino.certifications[0].descriptors, ['gambling', 'violence']);
  t.same(quiet.certifications[0].descriptors, ['violence']);

  const { token } = await signUp(app);
  const child = await createChild(app, token, { birth: birthForAge(13), blockDescriptors: ['PEGI:gambling', 'ESRB:real-gambling'] });
  t.same(child.blockDescriptors, ['PEGI:gambling', 'ESRB:real-gambling']);
  const verdict = async () => (await call(app, { method: 'GET', url: `/v1/children/${child.id}/verdicts/${casino.id}`, headers: bearer(token) })).data;
  const listed = async () => (await call(app, { method: 'GET', url: `/v1/children/${child.id}/titles`, headers: bearer(token) })).data.items.map((i: { name: string }) => i.name);
  t.match(await verdict(), { status: 'blocked', reasons: [{ code: 'descriptor', system: 'PEGI', value: 'gambling', note: 'Gambling' }], message: `Not OK at age 13: 'Casino' carries PEGI's "Gambling" descriptor, which your child's settings block.` });
  t.same(await listed(), ['Quiet']);
  const inList = (await call(app, { method: 'GET', url: '/v1/titles?sort=name' })).data.items.map((i: { summary: { certifications: unknown[] } }) => i.summary.certifications);
  t.same(inList, [[{ system: 'PEGI', rating: '12', descriptors: ['gambling', 'violence'] }], [{ system: 'PEGI', rating: '7', descriptors: ['violence'] }]], 'lists show each certification\'s descriptors');
  const batch = await call(app, { method: 'POST', url: `/v1/children/${child.id}/verdicts`, headers: bearer(token), payload: { titles: [casino.id, quiet.id] } });
  t.same(batch.data.items.map((i: { allowed: boolean }) => i.allowed), [false, true]);
  t.match((await call(app, { method: 'GET', url: `/v1/titles/${casino.id}/verdict?age=13` })).data, { status: 'ok' }, 'the anonymous question blocks no descriptor');

  // The editors take the descriptor off: the title is allowed again, and listed.
  const edited = await call(app, { method: 'PATCH', url: `/v1/titles/${casino.id}`, headers: bearer(editor), payload: { certifications: [{ system: 'PEGI', rating: '12', descriptors: ['violence'] }] } });
  t.equal(edited.statusCode, 200);
  t.match(await verdict(), { status: 'ok' });
  t.same(await listed(), ['Casino', 'Quiet']);
  const cleared = await call(app, { method: 'PATCH', url: `/v1/children/${child.id}`, headers: bearer(token), payload: { blockDescriptors: ['PEGI:violence'] } });
  t.same(cleared.data.blockDescriptors, ['PEGI:violence']);
  t.same(await listed(), []);

  for (const [payload, detail] of [
    [{ blockDescriptors: ['PEGI:nope'] }, /blockDescriptors\.0: "PEGI:nope" is not a content descriptor; give SYSTEM:key, e\.g\. PEGI:violence, PEGI:bad-language, PEGI:fear/],
    [{ blockDescriptors: ['MPA:violence'] }, /"MPA:violence" is not a content descriptor; give SYSTEM:key, e\.g\. PEGI:gambling/],
    [{ blockDescriptors: ['PEGI:fear', 'PEGI:fear'] }, /blockDescriptors\.1: "PEGI:fear" is given twice/],
    [{ blockDescriptors: 'PEGI:fear' }, /blockDescriptors/],
  ] as const) {
    const bad = await call(app, { method: 'PATCH', url: `/v1/children/${child.id}`, headers: bearer(token), payload });
    t.equal(bad.statusCode, 400, JSON.stringify(payload));
    t.match(bad.data.detail, detail);
  }
  t.same((await call(app, { method: 'GET', url: `/v1/children/${child.id}`, headers: bearer(token) })).data.blockDescriptors, ['PEGI:violence'], 'a refused patch changes nothing');
  for (const [certification, detail] of [
    [{ system: 'MPA', rating: 'R', descriptors: ['violence'] }, /certifications\.0\.descriptors\.0: "violence" is not given: MPA has no content descriptors/],
    [{ system: 'PEGI', rating: '12', descriptors: ['gore'] }, /"gore" is not one of the PEGI descriptors \(violence, bad-language, fear, gambling, sex, drugs, discrimination, in-game-purchases, in-game-purchases-random-items\)/],
    [{ system: 'PEGI', rating: '12', descriptors: ['fear', 'fear'] }, /descriptors\.1: "fear" is given twice/],
  ] as const) {
    const bad = await call(app, { method: 'POST', url: '/v1/titles', headers: bearer(editor), payload: titleInput({ name: 'Bad', certifications: [certification] }) });
    t.equal(bad.statusCode, 400);
    t.match(bad.data.detail, detail);
  }
});

t.test('per-child ceilings work for every system, each on its own scale', async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const film = await createTitle(app, editor, titleInput({ name: 'Film', certifications: [{ system: 'FSK', rating: '16' }, { system: 'ACB', rating: 'M' }] }));
  const game = await createTitle(app, editor, titleInput({ name: 'Game', kind: 'game', certifications: [{ system: 'CERO', rating: 'C' }, { system: 'USK', rating: '12' }] }));
  const { token } = await signUp(app);
  const child = await createChild(app, token, { birth: birthForAge(17), certificationCeilings: { FSK: '12', CERO: 'C', ACB: 'M', USK: '6' } });
  t.same(child.certificationCeilings, { FSK: '12', CERO: 'C', ACB: 'M', USK: '6' });
  const batch = await call(app, { method: 'POST', url: `/v1/children/${child.id}/verdicts`, headers: bearer(token), payload: { titles: [film.id, game.id] } });
  t.match(batch.data.items, [
    { allowed: false, reasons: [{ code: 'certification', system: 'FSK', limit: '12', value: '16' }] },
    { allowed: false, reasons: [{ code: 'certification', system: 'USK', limit: '6', value: '12' }] },
  ]);
  t.equal(batch.data.items[0].reasons.length, 1, 'ACB M is within its ceiling');
  t.equal(batch.data.items[1].reasons.length, 1, 'CERO C is within its ceiling');
  const bad = await call(app, { method: 'PATCH', url: `/v1/children/${child.id}`, headers: bearer(token), payload: { certificationCeilings: { CERO: '12' } } });
  t.equal(bad.statusCode, 400);
  t.match(bad.data.detail, /"12" is not one of the CERO ratings \(A, B, C, D, Z\)/);
});

t.test("a household's country: set at sign-up or by PATCH, it moves its children's verdicts; bad codes are 400s", async (t) => {
  const app = await build(t);
  const editor = await tokenFor(app, 'editor');
  const film = await createTitle(app, editor, titleInput({ name: 'Abroad', certifications: [{ system: 'BBFC', rating: '15' }, { system: 'FSK', rating: '12' }] }));

  const created = await call(app, { method: 'POST', url: '/v1/households', payload: { name: 'Die Müllers', country: 'DE' } });
  t.equal(created.statusCode, 201);
  t.match(created.data.household, { name: 'Die Müllers', country: 'DE' });
  const token = created.data.token.token;
  const child = await createChild(app, token, { birth: birthForAge(12) });
  const verdict = async () => (await call(app, { method: 'GET', url: `/v1/children/${child.id}/verdicts/${film.id}`, headers: bearer(token) })).data;
  t.match(await verdict(), { allowed: true, age: 12, message: /rated 12 by FSK/ });
  t.same((await call(app, { method: 'GET', url: `/v1/children/${child.id}/titles`, headers: bearer(token) })).data.items.map((i: { name: string }) => i.name), ['Abroad']);

  const patch = (payload: Record<string, unknown>) => call(app, { method: 'PATCH', url: '/v1/households/me', headers: bearer(token), payload });
  const moved = await patch({ country: 'GB' });
  t.equal(moved.statusCode, 200);
  t.match(moved.data, { name: 'Die Müllers', country: 'GB' });
  t.match(await verdict(), { allowed: false, age: 15, reasons: [{ system: 'BBFC' }] });
  t.same((await call(app, { method: 'GET', url: `/v1/children/${child.id}/titles`, headers: bearer(token) })).data.items, [], 'the catalogue moves with it');

  for (const country of ['XX', 'de', 'UK', 'DEU', 7]) {
    const bad = await patch({ country });
    t.equal(bad.statusCode, 400, `country ${JSON.stringify(country)}`);
    t.match(bad.data.detail, /country/);
  }
  t.equal((await patch({})).statusCode, 400, 'an empty patch');
  t.equal((await patch({ colour: 'red' })).statusCode, 400, 'an unknown field');
  t.equal((await call(app, { method: 'GET', url: '/v1/households/me', headers: bearer(token) })).data.country, 'GB', 'refused patches change nothing');
  t.equal((await patch({ country: null })).data.country, null, 'null clears it');
  t.equal((await call(app, { method: 'PATCH', url: '/v1/households/me', payload: { country: 'DE' } })).statusCode, 401);

  const anonymous = (country?: string) => call(app, { method: 'GET', url: `/v1/titles/${film.id}/verdict?age=12${country ? `&country=${country}` : ''}` });
  t.match((await anonymous()).data, { allowed: false, age: 15 });
  t.match((await anonymous('DE')).data, { allowed: true, age: 12 });
  t.equal((await anonymous('ZZ')).statusCode, 400);
});
