/**
 * A small populated world for the security tests: an app on a database that a second connection
 * can read (freshDatabase: a SQLite file, or under `npm run test:pg` a schema of its own in the
 * PostgreSQL test database; either is removed when the test ends), an editor, an admin, two households with
 * children (and a device token for one of them), titles named every way, reviews (one hidden), flags, an override, page cursors and a
 * revoked token — each with an id or reference a test can aim at.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildOptions } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { freshDatabase, testConfig } from '../backend.js';
import { generateToken } from '../../src/domain/tokens.js';
import { advisory, bearer, call, createChild, createTitle, signUp, titleInput, tokenFor } from '../helper.js';
import { openDigest, type DatabaseDigest, type DatabaseRef } from './db-digest.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface World {
  app: FastifyInstance;
  database: DatabaseRef;
  digest: DatabaseDigest;
  /** `child`: the device token of household A's first child (children.a). */
  tokens: { editor: string; admin: string; household: string; otherHousehold: string; child: string; revoked: string; unknown: string };
  /** Household A is "ours" (tokens.household); household B is the other one. */
  households: { a: string; b: string };
  tokenIds: { editor: string; admin: string; household: string; otherHousehold: string };
  children: { a: string; a2: string; b: string };
  titles: { her: string; toyStory: string; book: string };
  /** The same titles as external references. */
  refs: string[];
  reviews: { a: string; b: string; hiddenB: string };
  /** Household A's first child's pending requests to watch Her (a) and an unrated title (a2); household B's child's. */
  requests: { a: string; a2: string; b: string };
  flags: { titleFlagA: string; reviewFlagB: string };
  cursors: string[];
}

export async function buildWorld(t: Teardown, overrides: Partial<Config> = {}, options: BuildOptions = {}): Promise<World> {
  // A fuzz run makes a world for every operation: each is removed as its test ends.
  const database = freshDatabase(t);
  const app = await buildApp(testConfig({ ...database, ...overrides }), options);
  const digest = await openDigest(database);
  t.teardown(async () => {
    await digest.close();
    await app.close();
  });

  const editor = await tokenFor(app, 'editor');
  const admin = await tokenFor(app, 'admin');
  const a = await signUp(app);
  const b = await signUp(app);
  const ok = async (options: Parameters<typeof call>[1]) => {
    const res = await call(app, options);
    if (res.statusCode >= 300) throw new Error(`world: ${options.method} ${options.url} answered ${res.statusCode} ${res.body}`);
    return res.data;
  };

  const her = await createTitle(app, editor, titleInput({
    name: 'Her',
    year: 2013,
    certifications: [{ system: 'MPA', rating: 'R', reason: 'language and sexual content' }],
    externalIds: { imdb: 'tt1798709' },
    advisory: advisory({ ageRecommendation: 16 }),
  }));
  const toyStory = await createTitle(app, editor, titleInput({ name: 'Toy Story', year: 1995, certifications: [{ system: 'MPA', rating: 'G' }], externalIds: { tmdb: 'movie:862' } }));
  const book = await createTitle(app, editor, titleInput({ name: 'The Catcher in the Rye', kind: 'book', year: 1951, externalIds: { isbn: '9780316769488' } }));

  const childA = await createChild(app, a.token, { nickname: 'Maya', birth: '2014-05' });
  const childA2 = await createChild(app, a.token, { nickname: 'Sam', birth: '2018' });
  const childB = await createChild(app, b.token, { nickname: 'Noor', birth: '2012-01' });
  await ok({ method: 'PUT', url: `/v1/children/${childA.id}/overrides/${book.id}`, headers: bearer(a.token), payload: { decision: 'allow', note: 'with us' } });

  const review = { by: 'parent', ageRating: 14, stars: 4, headline: 'Tender', body: 'Fine for our teen.' };
  const reviewA = await ok({ method: 'POST', url: `/v1/titles/${her.id}/reviews`, headers: bearer(a.token), payload: review });
  const reviewB = await ok({ method: 'POST', url: `/v1/titles/${her.id}/reviews`, headers: bearer(b.token), payload: { ...review, ageRating: 16 } });
  const hiddenB = await ok({ method: 'POST', url: `/v1/titles/${toyStory.id}/reviews`, headers: bearer(b.token), payload: { ...review, headline: 'Spam spam' } });
  await ok({ method: 'POST', url: `/v1/reviews/${hiddenB.id}/hide`, headers: bearer(editor) });
  const titleFlagA = await ok({ method: 'POST', url: `/v1/titles/${toyStory.id}/flags`, headers: bearer(a.token), payload: { reason: 'rating-too-low', note: 'scary bits' } });
  const reviewFlagB = await ok({ method: 'POST', url: `/v1/reviews/${reviewA.id}/flags`, headers: bearer(b.token), payload: { reason: 'spoiler' } });

  const device = await ok({ method: 'POST', url: `/v1/children/${childA.id}/tokens`, headers: bearer(a.token), payload: { name: 'tablet' } });
  const requestA = await ok({ method: 'POST', url: `/v1/children/${childA.id}/requests`, headers: bearer(device.token), payload: { title: her.id } });
  const unrated = await createTitle(app, editor, titleInput({ name: 'Unrated Short', year: 2020 }));
  const requestA2 = await ok({ method: 'POST', url: `/v1/children/${childA.id}/requests`, headers: bearer(device.token), payload: { title: unrated.id } });
  const requestB = await ok({ method: 'POST', url: `/v1/children/${childB.id}/requests`, headers: bearer(b.token), payload: { title: her.id } });
  const extra = await ok({ method: 'POST', url: '/v1/households/me/tokens', headers: bearer(a.token), payload: { name: 'old phone' } });
  await ok({ method: 'DELETE', url: `/v1/households/me/tokens/${extra.id}`, headers: bearer(a.token) });

  const cursors = [
    (await ok({ method: 'GET', url: '/v1/titles?limit=1' })).nextCursor,
    (await ok({ method: 'GET', url: `/v1/titles/${her.id}/reviews?limit=1` })).nextCursor,
    (await ok({ method: 'GET', url: '/v1/children?limit=1', headers: bearer(a.token) })).nextCursor,
    (await ok({ method: 'GET', url: '/v1/flags?limit=1', headers: bearer(editor) })).nextCursor,
  ] as string[];
  const me = async (token: string) => (await ok({ method: 'GET', url: '/v1/me', headers: bearer(token) })).tokenId as string;

  return {
    app,
    database,
    digest,
    tokens: { editor, admin, household: a.token, otherHousehold: b.token, child: device.token, revoked: extra.token, unknown: generateToken('household') },
    households: { a: a.id, b: b.id },
    tokenIds: { editor: await me(editor), admin: await me(admin), household: await me(a.token), otherHousehold: await me(b.token) },
    children: { a: childA.id, a2: childA2.id, b: childB.id },
    titles: { her: her.id, toyStory: toyStory.id, book: book.id },
    refs: ['imdb:tt1798709', 'tmdb:movie:862', 'isbn:9780316769488', 'isbn:0316769487'],
    reviews: { a: reviewA.id, b: reviewB.id, hiddenB: hiddenB.id },
    requests: { a: requestA.id, a2: requestA2.id, b: requestB.id },
    flags: { titleFlagA: titleFlagA.id, reviewFlagB: reviewFlagB.id },
    cursors,
  };
}
