/**
 * Rate limits and quotas, counted in fixed windows (src/plugins/counters.ts): in this process, or
 * in Redis when REDIS_URL names one, so that several instances share every allowance:
 *
 * - the general limit, on every request but /healthz and /readyz: RATE_LIMIT_TOKEN a minute per
 *   token (a household's tokens share one allowance, so minting tokens buys nothing), and
 *   RATE_LIMIT_ANONYMOUS a minute per client address for requests without one;
 * - refused tokens: an address that sent RATE_LIMIT_ANONYMOUS unknown, revoked or malformed
 *   tokens in a minute has its token-bearing requests refused before any token is looked up;
 * - per-household limits on community writes: @fastify/rate-limit, opted into per route
 *   (`config.rateLimit`), a preHandler so the household is known;
 * - the verdict quota: VERDICT_QUOTA titles an hour per household, counted per title judged;
 * - sign-ups: RATE_LIMIT_SIGNUP an hour per client address, so households (and their allowances)
 *   cannot be minted by the thousand; an admin's are not counted.
 *
 * Every response names the policies that applied in RateLimit-Policy and what is left of each in
 * RateLimit (draft-ietf-httpapi-ratelimit-headers); a 429 is a problem with Retry-After.
 *
 * @fastify/rate-limit alone cannot do the general limit: a route with its own limit drops the
 * global one, it appends a route's group to every key, and its "draft" headers are those of an
 * older revision (RateLimit-Limit/-Remaining/-Reset).
 */
import rateLimit, { normalizeIP, type RateLimitOptions } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.js';
import { AppError, PROBLEM_BASE } from '../errors.js';
import { problemResponses, type RESPONSE_HEADERS } from '../schemas/common.js';
import { RedisCounters, WindowCounters, type Counters, type Window } from './counters.js';
import { quickHook, quickSendHook } from './hooks.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const EXEMPT = new Set(['/healthz', '/readyz']);

/** The client's address as limits count it: an IPv4-mapped address as IPv4, IPv6 by its /64 (one subscriber's share). */
export const clientAddress = (request: FastifyRequest): string => normalizeIP(request.ip);

/**
 * Whose allowance a token spends: a child's device its own (a tablet run wild never locks the
 * parents out), a household token its household's, any other token its own.
 */
const accountOf = (p: NonNullable<FastifyRequest['principal']>) => (p.childId ? `child:${p.childId}` : p.householdId ? `household:${p.householdId}` : `token:${p.tokenId}`);

/** The household for household tokens (a child's device apart), else the client address. */
const perHousehold = (request: FastifyRequest) => (request.principal?.householdId ? accountOf(request.principal) : `ip:${clientAddress(request)}`);

/** A route's own limit, `max` an hour per household and shared by the routes of its group: put it in the route's `config`. */
export const hourlyPerHousehold = (groupId: string, max: number) => ({ rateLimit: { max, timeWindow: HOUR, groupId, keyGenerator: perHousehold } });

/** Tokens a household mints an hour, its own and its children's devices' together. */
export const TOKENS_MINTED_AN_HOUR = 20;
export const TOKEN_MINTING = hourlyPerHousehold('tokens', TOKENS_MINTED_AN_HOUR);

type HeaderName = keyof typeof RESPONSE_HEADERS;

/**
 * The document says it: every route but the health checks may answer 429, and its answers carry
 * RateLimit and RateLimit-Policy (a 429 also Retry-After). A 503 is turned away before any limit
 * is counted, so it keeps what the docs plugin gives it.
 */
function documentLimits(route: RouteOptions): void {
  const schema = route.schema as (RouteOptions['schema'] & { 'x-response-headers'?: Record<string, HeaderName[]> }) | undefined;
  if (!schema?.response || schema.hide || EXEMPT.has(route.url)) return;
  const response = { ...problemResponses(429), ...(schema.response as object) };
  const documented = schema['x-response-headers'] ?? {};
  const headers = Object.fromEntries(
    Object.keys(response)
      .filter((status) => status !== '503')
      .map((status) => {
        const own = documented[status] ?? (status === '429' ? ['Retry-After' as const] : []);
        return [status, [...new Set<HeaderName>([...own, 'RateLimit', 'RateLimit-Policy'])]];
      }),
  );
  route.schema = { ...schema, response, 'x-response-headers': { ...documented, ...headers } } as RouteOptions['schema'];
}

/** One policy that applied to a request, and where the caller stands with it. */
interface LimitState {
  policy: string;
  quota: number;
  windowSeconds: number;
  /** What is counted when it is not requests. */
  unit?: 'titles';
  remaining: number;
  resetSeconds: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    rateLimits: LimitState[] | null;
  }
  interface FastifyInstance {
    limitCounters: Counters;
    /** Counts `titles` verdicts against the household's hourly quota; a 429 when they do not fit. */
    spendVerdictQuota(request: FastifyRequest, titles: number): Promise<void>;
    /** Counts a sign-up against its address's hourly limit (an admin's are not counted); a 429 past it. */
    countSignUp(request: FastifyRequest): Promise<void>;
  }
}

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));
const perWindow = (windowSeconds: number) => (windowSeconds === 60 ? 'a minute' : windowSeconds === 3600 ? 'an hour' : `per ${windowSeconds} seconds`);

function record(request: FastifyRequest, state: LimitState): void {
  (request.rateLimits ??= []).push(state);
}

function tooMany(state: LimitState, detail: string): AppError {
  return new AppError(429, `${PROBLEM_BASE}rate-limited`, 'Too Many Requests', detail, { 'retry-after': String(state.resetSeconds) });
}

/** A counted request against a limit of `quota` a window; records where it stands and throws past the limit. */
function hit(app: FastifyInstance, request: FastifyRequest, policy: string, key: string, quota: number, windowMs: number, describe: string): void | Promise<void> {
  const judge = (counter: Window) => {
    const now = Date.now();
    const state = { policy, quota, windowSeconds: windowMs / 1000, remaining: Math.max(0, quota - counter.count), resetSeconds: seconds(counter.resetAt - now) };
    record(request, state);
    if (counter.count > quota) {
      throw tooMany(state, `At most ${quota} requests ${perWindow(state.windowSeconds)} ${describe} (the "${policy}" limit); try again in ${state.resetSeconds} seconds.`);
    }
  };
  // In this process the count is known at once, and the request goes on without waiting.
  const counter = app.limitCounters.add(key, windowMs);
  return 'then' in counter ? counter.then(judge) : judge(counter);
}

/**
 * Before authentication: the counters, and the guard against guessing tokens. Requests whose
 * token is refused (401) are counted per client address; once an address reaches the anonymous
 * limit in a minute, its requests carrying a token are refused without looking the token up.
 */
async function tokenGuardPlugin(app: FastifyInstance, { config }: { config: Config }): Promise<void> {
  const counters: Counters = config.REDIS_URL
    ? new RedisCounters(config.REDIS_URL, config.REDIS_PREFIX, (err) => app.log.warn({ err }, 'Redis does not answer: this request is not counted against the rate limits'))
    : new WindowCounters();
  app.decorate('limitCounters', counters);
  app.addHook('onClose', () => counters.close());
  app.decorateRequest('rateLimits', null);
  const limit = config.RATE_LIMIT_ANONYMOUS;
  if (limit === 0) return;
  const keyOf = (request: FastifyRequest) => `refused:${clientAddress(request)}`;

  async function guard(request: FastifyRequest): Promise<void> {
    const counter = await app.limitCounters.peek(keyOf(request));
    const now = Date.now();
    if (!counter || counter.count < limit) return;
    const state = { policy: 'refused-tokens', quota: limit, windowSeconds: 60, remaining: 0, resetSeconds: seconds(counter.resetAt - now) };
    record(request, state);
    throw tooMany(state, `Too many requests with unknown, revoked or malformed tokens came from your address (at most ${limit} a minute); try again in ${state.resetSeconds} seconds.`);
  }
  app.addHook(
    'onRequest',
    quickHook((request) => (request.headers.authorization === undefined || EXEMPT.has(request.routeOptions.url ?? '') ? undefined : guard(request))),
  );

  app.addHook(
    'onResponse',
    quickHook((request, reply) => {
      if (reply.statusCode === 401 && request.principal === null && request.headers.authorization !== undefined) return Promise.resolve(app.limitCounters.add(keyOf(request), MINUTE));
    }),
  );
}

export const tokenGuard = fp(tokenGuardPlugin, { name: 'token-guard' });

async function rateLimitPlugin(app: FastifyInstance, { config }: { config: Config }): Promise<void> {
  const counters = app.limitCounters;
  app.addHook('onRoute', documentLimits);

  // The per-household community limits. Their headers are ours (below), so theirs are off.
  await app.register(rateLimit, {
    global: false,
    hook: 'preHandler',
    store: class {
      incr(key: string, callback: (err: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
        Promise.resolve(counters.add(key, timeWindow)).then(
          (counter) => callback(null, { current: counter.count, ttl: counter.resetAt - Date.now() }),
          (err: Error) => callback(err),
        );
      }
      child() {
        return this;
      }
    },
    addHeaders: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false, 'retry-after': true },
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    errorResponseBuilder: (request, context) => {
      const group = request.routeOptions.config.rateLimit || undefined;
      const window = typeof group?.timeWindow === 'number' ? group.timeWindow / 1000 : 3600;
      return new AppError(
        429,
        `${PROBLEM_BASE}rate-limited`,
        'Too Many Requests',
        `At most ${context.max} of these ${perWindow(window)} per household (the "${group?.groupId ?? 'route'}" limit, shared by its routes); try again in ${seconds(context.ttl)} seconds.`,
      );
    },
  });

  // The general limit: after authentication (the token decides the allowance), before the
  // route's role check (a token refused a route still spends its allowance).
  if (config.RATE_LIMIT_TOKEN > 0 || config.RATE_LIMIT_ANONYMOUS > 0) {
    app.addHook(
      'onRequest',
      quickHook((request) => {
        if (EXEMPT.has(request.routeOptions.url ?? '')) return;
        const principal = request.principal;
        if (principal) {
          if (config.RATE_LIMIT_TOKEN === 0) return;
          const scope = principal.childId ? 'per child device' : principal.householdId ? 'per household token' : 'per token';
          return hit(app, request, 'token', accountOf(principal), config.RATE_LIMIT_TOKEN, MINUTE, scope);
        }
        if (config.RATE_LIMIT_ANONYMOUS === 0) return;
        return hit(app, request, 'anonymous', `anonymous:${clientAddress(request)}`, config.RATE_LIMIT_ANONYMOUS, MINUTE, 'from one address without a token');
      }),
    );
  }

  app.decorate('spendVerdictQuota', async (request: FastifyRequest, titles: number) => {
    const quota = config.VERDICT_QUOTA;
    if (quota === 0 || !request.principal) return;
    const key = `verdicts:${accountOf(request.principal)}`;
    // Spent only when it fits, checked and added in one step: two instances cannot both spend the last titles.
    const counter = await counters.addWithin(key, HOUR, titles, quota);
    const now = Date.now();
    const state = { policy: 'verdicts', quota, windowSeconds: 3600, unit: 'titles' as const, remaining: quota - Math.min(counter.count, quota), resetSeconds: seconds(counter.resetAt - now) };
    record(request, state);
    if (!counter.added) {
      throw tooMany(
        state,
        `The verdict quota is ${quota} titles an hour per household: ${state.remaining} are left and this request asks for ${titles}. It resets in ${state.resetSeconds} seconds, at ${new Date(counter.resetAt).toISOString()}.`,
      );
    }
  });

  app.decorate('countSignUp', async (request: FastifyRequest) => {
    if (config.RATE_LIMIT_SIGNUP === 0 || request.principal?.role === 'admin') return;
    await hit(app, request, 'signup', `signup:${clientAddress(request)}`, config.RATE_LIMIT_SIGNUP, HOUR, 'signing households up from one address');
  });

  function rateLimitHeaders(reply: FastifyReply, states: readonly LimitState[]): void {
    if (states.length === 0) return;
    reply.header('ratelimit-policy', states.map((s) => `"${s.policy}";q=${s.quota};w=${s.windowSeconds}${s.unit ? `;qu="${s.unit}"` : ''}`).join(', '));
    reply.header('ratelimit', states.map((s) => `"${s.policy}";r=${s.remaining};t=${s.resetSeconds}`).join(', '));
  }
  /** A community route's limit, read from the counter the route's own hook keeps. */
  async function groupState(request: FastifyRequest, group: RateLimitOptions & { max: number; timeWindow: number }): Promise<LimitState> {
    // The key the route's own hook counted under: its key generator's, then its group.
    const key = typeof group.keyGenerator === 'function' ? await group.keyGenerator(request) : clientAddress(request);
    const counter = await counters.peek(`${key}${group.groupId ?? ''}`);
    const now = Date.now();
    return {
      policy: group.groupId ?? 'route',
      quota: group.max,
      windowSeconds: group.timeWindow / 1000,
      remaining: Math.max(0, group.max - (counter?.count ?? 0)),
      resetSeconds: counter ? seconds(counter.resetAt - now) : group.timeWindow / 1000,
    };
  }
  app.addHook(
    'onSend',
    quickSendHook((request, reply) => {
      const states = request.rateLimits ?? [];
      const group = request.routeOptions.config?.rateLimit || undefined;
      if (group && request.principal?.householdId && typeof group.max === 'number' && typeof group.timeWindow === 'number') {
        return groupState(request, { ...group, max: group.max, timeWindow: group.timeWindow }).then((state) => rateLimitHeaders(reply, [...states, state]));
      }
      rateLimitHeaders(reply, states);
    }),
  );
}

export default fp(rateLimitPlugin, { name: 'rate-limit', dependencies: ['token-guard', 'auth', 'idempotency'] });
