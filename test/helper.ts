import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../src/app.js';
import { testConfig, type Config } from '../src/config.js';
import type { TitleInput } from '../src/schemas/titles.js';
import { issueToken } from '../src/store/issue-token.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A fresh app on a fresh in-memory database, closed when the test ends. */
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
