import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../src/app.js';
import type { Config } from '../src/config.js';
import type { TitleInput } from '../src/schemas/titles.js';
import { openStore, type Store } from '../src/store/index.js';
import { issueToken } from '../src/services/households.js';
import { TABLES } from '../src/store/types.js';
import { testConfig, testDatabase } from './backend.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A fresh app on a fresh database (in memory, or a schema of its own under `npm run test:pg`), closed when the test ends. */
export async function build(t: Teardown, overrides: Partial<Config> = {}): Promise<FastifyInstance> {
  const app = await buildApp(testConfig(overrides));
  t.teardown(() => app.close());
  return app;
}

export async function tokenFor(app: FastifyInstance, role: 'editor' | 'admin'): Promise<string> {
  return (await issueToken(app.store, role, `test ${role}`)).token;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** inject() with the JSON body parsed. */
export async function call(app: FastifyInstance, options: InjectOptions): Promise<LightMyRequestResponse & { body: string; data: any }> {
  const res = await app.inject(options);
  let data: unknown = undefined;
  try {
    data = res.body ? JSON.parse(res.body) : undefined;
  } catch {
    data = undefined;
  }
  return Object.assign(res, { data });
}

export const sixRatings = (level = 1) => ({
  language: { level, note: 'Some words.' },
  sex: { level, note: 'Some kissing.' },
  drinking: { level, note: 'Some drinks.' },
  violence: { level, note: 'Some fights.' },
  messages: { level, note: 'Be kind.' },
  roleModels: { level, note: 'Good friends.' },
});

export function advisory(overrides: Record<string, unknown> = {}) {
  return {
    ageRecommendation: 10,
    stars: 4,
    oneLiner: 'A fine adventure.',
    parentsNeedToKnow: 'Parents should know a few things.',
    ratings: sixRatings(),
    ...overrides,
  };
}

export function titleInput(overrides: Record<string, unknown> = {}): TitleInput & Record<string, unknown> {
  return { name: 'Test Title', kind: 'movie', year: 2020, ...overrides } as TitleInput & Record<string, unknown>;
}

export async function createTitle(app: FastifyInstance, token: string, body: Record<string, unknown>) {
  const res = await call(app, { method: 'POST', url: '/v1/titles', headers: bearer(token), payload: body });
  if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`);
  return res.data;
}

/** Signs a household up through the API; returns its token and id. */
export async function signUp(app: FastifyInstance): Promise<{ token: string; id: string }> {
  const res = await call(app, { method: 'POST', url: '/v1/households', payload: {} });
  if (res.statusCode !== 201) throw new Error(`sign-up failed: ${res.statusCode} ${res.body}`);
  return { token: res.data.token.token, id: res.data.household.id };
}

export async function createChild(app: FastifyInstance, token: string, body: Record<string, unknown> = {}) {
  const res = await call(app, { method: 'POST', url: '/v1/children', headers: bearer(token), payload: { nickname: 'Maya', birth: '2014-05', ...body } });
  if (res.statusCode !== 201) throw new Error(`child failed: ${res.statusCode} ${res.body}`);
  return res.data;
}

/** A birth (YYYY-MM) that makes a child exactly `age` today, whatever today is. */
export function birthForAge(age: number, now = new Date()): string {
  // The birthday counts at the end of the month: take the month before this one, `age` years ago.
  const d = new Date(Date.UTC(now.getUTCFullYear() - age, now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}

/** A fresh store of its own: SQLite in memory, or a new schema under `npm run test:pg`. */
export async function testStore(): Promise<Store> {
  const { DATABASE_URL, DATABASE_SCHEMA } = testDatabase();
  return openStore(DATABASE_URL, { schema: DATABASE_SCHEMA });
}

/**
 * Rows in every table through the API: the demo catalogue, a title with an advisory, a family with
 * a child, an override, a kid's review (made with an Idempotency-Key), a helpful vote, a flag and
 * a request to watch.
 */
export async function populate(app: FastifyInstance) {
  const editor = await tokenFor(app, 'editor');
  const film = await createTitle(app, editor, titleInput({ name: 'Moved', advisory: advisory({ ageRecommendation: 9 }) }));
  const family = await signUp(app);
  const other = await signUp(app);
  const maya = await createChild(app, family.token, { birth: birthForAge(12), limits: { violence: { max: 2 } } });
  const put = await call(app, { method: 'PUT', url: `/v1/children/${maya.id}/overrides/${film.id}`, headers: bearer(family.token), payload: { decision: 'block', note: 'not yet' } });
  const review = await call(app, reviewRequest(film.id, family.token, maya.id));
  const vote = await call(app, { method: 'POST', url: `/v1/reviews/${review.data?.id}/helpful`, headers: bearer(other.token) });
  const flag = await call(app, { method: 'POST', url: `/v1/titles/${film.id}/flags`, headers: bearer(other.token), payload: { reason: 'other', note: 'check' } });
  const later = await createTitle(app, editor, titleInput({ name: 'Later', advisory: advisory({ ageRecommendation: 16 }) }));
  const request = await call(app, { method: 'POST', url: `/v1/children/${maya.id}/requests`, headers: bearer(family.token), payload: { title: later.id, note: 'please' } });
  for (const [what, res] of Object.entries({ override: put, review, vote, flag, request })) {
    if (res.statusCode !== 201) throw new Error(`${what} failed: ${res.statusCode} ${res.body}`);
  }
  return { film, family, maya, review: review.data };
}

/** The kid's review populate() posts, with its Idempotency-Key, to post it again. */
export const reviewRequest = (titleId: string, token: string, childId: string): InjectOptions => ({
  method: 'POST',
  url: `/v1/titles/${titleId}/reviews`,
  headers: { ...bearer(token), 'idempotency-key': 'populate-review-0001' },
  payload: { by: 'kid', childId, ageRating: 10, stars: 5, headline: 'Great', body: 'I liked the ending best of all.' },
});

/** Every table's rows, each table's sorted, so two stores compare whatever order they keep rows in. */
export async function contents(store: Store): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = Object.fromEntries(TABLES.map((name) => [name, []]));
  for await (const page of store.dump(7)) out[page.table]!.push(...page.rows.map((row) => JSON.stringify(row)));
  for (const rows of Object.values(out)) rows.sort();
  return out;
}
