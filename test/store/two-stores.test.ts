/**
 * Two processes on one database: every kind of write that changes what the title index holds,
 * made through one app, is seen at once by the other's verdicts and child catalogue — a title
 * its index still thought blocked that is now allowed, and the reverse — because every such
 * write appends to the one title_changes log and every page catches up from it first. Runs on
 * the backend under test: a shared SQLite file, or a PostgreSQL schema under `npm run test:pg`.
 */
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { freshDatabase, testConfig } from '../backend.js';
import { advisory, bearer, birthForAge, call, createChild, createTitle, signUp, titleInput, tokenFor } from '../helper.js';

t.test('each kind of write through one app moves the other app’s verdicts and catalogue', async (t) => {
  const database = freshDatabase(t);
  // One parent's review is enough to move a strict child's verdict.
  const config = testConfig({ ...database, COMMUNITY_MIN_REVIEWS: 1 });
  const a = await buildApp(config);
  const b = await buildApp(config);
  t.teardown(() => Promise.all([a.close(), b.close()]));

  const editor = await tokenFor(a, 'editor');
  const family = await signUp(a);
  const maya = await createChild(a, family.token, { birth: birthForAge(10), ageRule: 'strictest' });
  const film = await createTitle(a, editor, titleInput({ name: 'Shared', advisory: advisory({ ageRecommendation: 8 }) }));

  /** Whether each app lets Maya see the film, by its catalogue and by its verdict (they must agree). */
  async function allowed(app: typeof a, id = film.id): Promise<boolean> {
    const page = await call(app, { method: 'GET', url: `/v1/children/${maya.id}/titles?limit=100`, headers: bearer(family.token) });
    const listed = page.data.items.some((item: { id: string }) => item.id === id);
    const verdict = await call(app, { method: 'GET', url: `/v1/children/${maya.id}/verdicts/${id}`, headers: bearer(family.token) });
    if (verdict.statusCode === 404) return listed;
    t.equal(verdict.data.allowed, listed, `${app === a ? 'the writer' : 'the other'}: the verdict agrees with the catalogue`);
    return listed;
  }
  async function expect(allowedNow: boolean, what: string, id = film.id) {
    t.equal(await allowed(b, id), allowedNow, `the other app: ${what}`);
    t.equal(await allowed(a, id), allowedNow, `the writer: ${what}`);
  }
  const send = async (app: typeof a, method: string, url: string, token: string, payload?: Record<string, unknown>) => {
    const res = await call(app, { method: method as 'GET', url, headers: bearer(token), ...(payload !== undefined && { payload }) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.data;
  };

  // Both indexes are built before the writes begin.
  await expect(true, 'an advisory of 8 lets a 10-year-old see it');

  await send(a, 'PUT', `/v1/titles/${film.id}/advisory`, editor, advisory({ ageRecommendation: 14 }));
  await expect(false, 'an advisory changed to 14 blocks it');

  await send(a, 'PATCH', `/v1/titles/${film.id}`, editor, { advisory: advisory({ ageRecommendation: 8 }) });
  await expect(true, 'a title patched back to 8 allows it');

  await send(a, 'PATCH', `/v1/titles/${film.id}`, editor, { certifications: [{ system: 'MPA', rating: 'NC-17' }] });
  await expect(false, 'an NC-17 certification blocks it under the strictest rule');

  await send(a, 'PATCH', `/v1/titles/${film.id}`, editor, { certifications: [] });
  await expect(true, 'the certification gone, it is allowed again');

  const critic = await signUp(a);
  const review = await send(a, 'POST', `/v1/titles/${film.id}/reviews`, critic.token, { by: 'parent', ageRating: 16, stars: 2, headline: 'Too much', body: 'Not for young ones at all.' });
  await expect(false, 'a parent review of 16 blocks it');

  // A title write and then one to another title: every index has read the review's figures
  // with the title, and a catch-up that followed the newest updated_at alone (as SQLite's once
  // did) would not read this title again. Only the log tells the other app what follows.
  await send(a, 'PATCH', `/v1/titles/${film.id}`, editor, { synopsis: 'A story about growing up.' });
  await createTitle(a, editor, titleInput({ name: 'Later', year: 2022 }));
  await expect(false, 'title writes that change nothing here keep it blocked');

  await send(a, 'PATCH', `/v1/reviews/${review.id}`, critic.token, { ageRating: 6 });
  await expect(true, 'the review changed to 6 allows it');

  await send(a, 'PATCH', `/v1/reviews/${review.id}`, critic.token, { ageRating: 16 });
  await expect(false, 'changed back to 16, blocked');

  await send(a, 'POST', `/v1/reviews/${review.id}/hide`, editor);
  await expect(true, 'the review hidden, allowed');

  await send(a, 'POST', `/v1/reviews/${review.id}/restore`, editor);
  await expect(false, 'the review restored, blocked');

  await send(a, 'DELETE', `/v1/reviews/${review.id}`, critic.token);
  await expect(true, 'the review deleted, allowed');

  const other = await signUp(a);
  await send(a, 'POST', `/v1/titles/${film.id}/reviews`, other.token, { by: 'parent', ageRating: 17, stars: 1, headline: 'No', body: 'Keep the little ones away.' });
  await expect(false, 'another parent review of 17 blocks it');

  await send(a, 'DELETE', '/v1/households/me', other.token);
  await expect(true, 'its household erased, the review goes with it: allowed');

  await send(a, 'DELETE', `/v1/titles/${film.id}/advisory`, editor);
  await expect(false, 'the advisory removed, the title is unrated: blocked');

  const fresh = await createTitle(a, editor, titleInput({ name: 'Fresh', year: 2021, advisory: advisory({ ageRecommendation: 6 }) }));
  await expect(true, 'a new title is listed at once', fresh.id);

  await send(a, 'DELETE', `/v1/titles/${fresh.id}`, editor);
  await expect(false, 'a removed title leaves the other catalogue', fresh.id);
});
