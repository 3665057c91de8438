/**
 * Regression, found by the fuzz test: text holding a lone UTF-16 surrogate was accepted by
 * title, advisory, child, override, household and token fields and stored as U+FFFD (UTF-8 has no
 * form for it), so what came back differed from what was sent, silently. Such text is now
 * refused (400 naming the field) everywhere text is stored, as review text already was, and
 * odd but well-formed text (emoji, right-to-left, zero-width, NUL) is kept exactly.
 */
import t from 'tap';
import { importJsonl } from '../../src/catalogue/import.js';
import { advisory, bearer, call } from '../helper.js';
import { buildWorld } from './world.js';

const BROKEN = 'Maya \ud800 and \udc00';
const ODD_BUT_FINE = 'Zoë 👨‍👩‍👧‍👦 \u202Eשלום\u202C zero\u200Bwidth \u0000 end';

t.test('a lone surrogate is refused wherever text is stored, and nothing is written', async (t) => {
  const w = await buildWorld(t);
  const cases = [
    ['POST', '/v1/titles', w.tokens.editor, { name: BROKEN, kind: 'movie' }, 'name'],
    ['POST', '/v1/titles', w.tokens.editor, { name: 'Fine', kind: 'movie', cast: ['A', BROKEN] }, 'cast.1'],
    ['POST', '/v1/titles', w.tokens.editor, { name: 'Fine', kind: 'movie', certifications: [{ system: 'MPA', rating: 'PG', reason: BROKEN }] }, 'certifications.0.reason'],
    ['PATCH', `/v1/titles/${w.titles.her}`, w.tokens.editor, { synopsis: BROKEN }, 'synopsis'],
    ['PUT', `/v1/titles/${w.titles.toyStory}/advisory`, w.tokens.editor, advisory({ oneLiner: BROKEN }), 'oneLiner'],
    ['PUT', `/v1/titles/${w.titles.toyStory}/advisory`, w.tokens.editor, advisory({ talkAbout: [BROKEN] }), 'talkAbout.0'],
    ['POST', '/v1/children', w.tokens.household, { nickname: BROKEN, birth: '2015' }, 'nickname'],
    ['PUT', `/v1/children/${w.children.a}/overrides/${w.titles.her}`, w.tokens.household, { decision: 'allow', note: BROKEN }, 'note'],
    ['POST', '/v1/households', null, { name: BROKEN }, 'name'],
    ['POST', '/v1/households/me/tokens', w.tokens.household, { name: BROKEN }, 'name'],
    ['POST', '/v1/tokens', w.tokens.admin, { role: 'editor', name: BROKEN }, 'name'],
    ['POST', `/v1/titles/${w.titles.book}/reviews`, w.tokens.household, { by: 'parent', ageRating: 9, stars: 3, headline: BROKEN, body: 'x' }, 'headline'],
  ] as const;
  const before = await w.digest();
  for (const [method, url, token, payload, path] of cases) {
    const res = await call(w.app, { method, url, headers: token ? bearer(token) : {}, payload });
    t.equal(res.statusCode, 400, `${method} ${url} ${path}`);
    t.match(res.data.errors, [{ path, message: /lone UTF-16 surrogate/ }]);
  }
  t.equal(await w.digest(), before, 'nothing was stored');

  const report = await importJsonl(w.app.store, [JSON.stringify({ name: BROKEN, kind: 'book' }), JSON.stringify({ name: 'Kept', kind: 'book', synopsis: ODD_BUT_FINE })]);
  t.match(report, { created: 1, errors: [{ line: 1, reason: /name: .*lone UTF-16 surrogate/ }] }, 'an import line too');
});

t.test('odd but well-formed text is kept exactly', async (t) => {
  const w = await buildWorld(t);
  const title = await call(w.app, { method: 'POST', url: '/v1/titles', headers: bearer(w.tokens.editor), payload: { name: 'Odd one', kind: 'movie', synopsis: ODD_BUT_FINE } });
  t.equal(title.statusCode, 201);
  t.equal((await call(w.app, { method: 'GET', url: `/v1/titles/${title.data.id}` })).data.synopsis, ODD_BUT_FINE);
  const override = await call(w.app, { method: 'PUT', url: `/v1/children/${w.children.a}/overrides/${title.data.id}`, headers: bearer(w.tokens.household), payload: { decision: 'block', note: ODD_BUT_FINE } });
  t.equal(override.data.note, ODD_BUT_FINE);
});
