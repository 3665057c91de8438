/**
 * Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) on every POST that creates
 * something — every POST route that answers 201. A retry with the same key gets the first answer
 * again (status, body, Location, ETag, with `Idempotent-Replayed: true`) and nothing is done twice.
 *
 * - Keys belong to the token that sent them, or to the client address for a request without one
 *   (only a sign-up creates anything without a token). They live 24 hours; expired keys are purged.
 * - The same key with another method, URL or body: 422. While the first request runs: 409.
 * - Only successes (2xx) are kept. A 4xx changed nothing and a 5xx may be passing, so a failed
 *   request frees its key and a retry runs afresh (the draft leaves this to the server).
 * - A request that died without an answer (a crash) holds its key for a minute at most.
 * - Stored answers are sealed (AES-256-GCM) with a key derived from the Idempotency-Key, and rows
 *   are found by a keyed hash: the database alone never reveals an answer, such as the token a
 *   sign-up returns. A household's keys are erased with it.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { z } from 'zod';
import { AppError, PROBLEM_BASE } from '../errors.js';
import { Invalid } from '../domain/errors.js';
import { problemResponses } from '../schemas/common.js';
import { IdempotencyHeaders, parseIdempotencyKey } from '../schemas/idempotency.js';
import { quickHook, quickSendHook } from './hooks.js';
import { clientAddress } from './rate-limit.js';

const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** How long a request in flight holds its key before a retry may take it over. */
const IDEMPOTENCY_LOCK_MS = 60 * 1000;
const PURGE_EVERY_MS = 10 * 60 * 1000;

/** The response headers that belong to the answer (the rest are recomputed on every reply). */
const KEPT_HEADERS = ['content-type', 'location', 'etag', 'cache-control'] as const;

interface Claim {
  id: string;
  secret: Buffer;
}

interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on the POST routes that create something: they honour Idempotency-Key. */
    idempotent?: boolean;
  }
  interface FastifyRequest {
    /** The key this request claimed; null when it sent none or replays an answer. */
    idempotencyClaim: Claim | null;
    /**
     * The household an answer belongs to when the token has none: a sign-up sets the household
     * it created, so the stored answer is erased with it.
     */
    idempotencyOwner: string | null;
  }
}

/** Keys sorted, so `{"a":1,"b":2}` and `{"b":2,"a":1}` are one request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? '';
}

function seal(answer: StoredAnswer, secret: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', secret, iv);
  const data = Buffer.concat([cipher.update(JSON.stringify(answer), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64');
}

function open(sealed: string, secret: Buffer): StoredAnswer {
  const raw = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', secret, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as StoredAnswer;
}

const keyInUse = () =>
  new AppError(
    409,
    `${PROBLEM_BASE}idempotency-key-in-use`,
    'Conflict',
    'A request with this Idempotency-Key is still being processed; retry once it has answered.',
    { 'retry-after': '1' },
  );

const keyReused = () =>
  new AppError(
    422,
    `${PROBLEM_BASE}idempotency-key-reused`,
    'Unprocessable Content',
    'This Idempotency-Key was first used for another request (its method, path or body differ); use a new key for a new request.',
  );

/** A POST that answers 201 creates something: it takes an Idempotency-Key, and the document says so. */
function makeIdempotent(route: RouteOptions): void {
  const schema = route.schema as (RouteOptions['schema'] & { 'x-response-headers'?: Record<number, string[]> }) | undefined;
  if (route.method !== 'POST' || !schema?.response || !(201 in (schema.response as object))) return;
  route.config = { ...route.config, idempotent: true };
  const headers = schema.headers as z.ZodObject | undefined;
  const documented = schema['x-response-headers'] ?? {};
  route.schema = {
    ...schema,
    headers: headers ? headers.extend(IdempotencyHeaders.shape) : IdempotencyHeaders,
    response: { ...problemResponses(409, 422), ...(schema.response as object) },
    'x-response-headers': { ...documented, 201: [...(documented[201] ?? []), 'Idempotent-Replayed'] },
  } as RouteOptions['schema'];
}

async function idempotencyPlugin(app: FastifyInstance): Promise<void> {
  const { store } = app;
  // Per database: the hashes and seals of one deployment tell nothing about another's.
  const salt = Buffer.from(await store.setting('idempotency-salt', () => randomBytes(32).toString('base64url')), 'base64url');
  // Expired keys are purged at start, then as new keys arrive (at most every ten minutes).
  await store.idempotency.purgeExpired(new Date().toISOString());
  let nextPurge = Date.now() + PURGE_EVERY_MS;

  app.decorateRequest('idempotencyClaim', null);
  app.decorateRequest('idempotencyOwner', null);
  app.addHook('onRoute', makeIdempotent);

  /** Claims the request's key, or answers with what the key's first request was answered. */
  async function claimKey(request: FastifyRequest, reply: FastifyReply, header: string | string[]): Promise<unknown> {
    const parsed = parseIdempotencyKey([header].flat().join(', '));
    if ('error' in parsed) throw new Invalid('header.idempotency-key', parsed.error);
    const scope = request.principal ? `token:${request.principal.tokenId}` : `address:${clientAddress(request)}`;
    const id = createHmac('sha256', salt).update(`${scope}\n${parsed.key}`).digest('hex');
    const secret = Buffer.from(hkdfSync('sha256', parsed.key, salt, `guidepost idempotency ${scope}`, 32));
    const fingerprint = createHash('sha256').update(`${request.method} ${request.url}\n${canonicalJson(request.body)}`).digest('hex');

    const now = Date.now();
    if (now >= nextPurge) {
      nextPurge = now + PURGE_EVERY_MS;
      await store.idempotency.purgeExpired(new Date(now).toISOString());
    }
    const outcome = await store.idempotency.claim({
      id,
      fingerprint,
      householdId: request.principal?.householdId ?? null,
      now: new Date(now).toISOString(),
      lockedUntil: new Date(now + IDEMPOTENCY_LOCK_MS).toISOString(),
      expiresAt: new Date(now + IDEMPOTENCY_TTL_MS).toISOString(),
    });
    if (outcome.claimed) {
      request.idempotencyClaim = { id, secret };
      return;
    }
    if (outcome.record.fingerprint !== fingerprint) throw keyReused();
    if (outcome.record.response === null) throw keyInUse();
    const answer = open(outcome.record.response, secret);
    return reply.code(answer.status).headers(answer.headers).header('idempotent-replayed', 'true').send(answer.body);
  }
  // After validation (a bad body never claims a key), before the route's own limits (a replay
  // does no work, so it spends none of them).
  app.addHook(
    'preHandler',
    quickHook((request, reply) => {
      const header = request.headers['idempotency-key'];
      if (request.routeOptions.config.idempotent && header !== undefined) return claimKey(request, reply, header);
    }),
  );

  /** The answer kept for the claimed key, or the key let go when there is no answer to keep. */
  async function keepAnswer(request: FastifyRequest, reply: FastifyReply, payload: unknown, claim: Claim): Promise<void> {
    if (reply.statusCode < 200 || reply.statusCode > 299) {
      await store.idempotency.release(claim.id);
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of KEPT_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) headers[name] = String(value);
    }
    const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '';
    const owner = request.idempotencyOwner ?? request.principal?.householdId ?? null;
    try {
      await store.idempotency.complete(claim.id, seal({ status: reply.statusCode, headers, body }, claim.secret), owner);
    } catch (err) {
      // The work is done and its answer goes out; only a retry would repeat it.
      request.log.error({ err }, 'could not keep the answer of an idempotent request');
      await store.idempotency.release(claim.id);
    }
  }
  app.addHook(
    'onSend',
    quickSendHook((request, reply, payload) => {
      const claim = request.idempotencyClaim;
      if (!claim) return;
      request.idempotencyClaim = null;
      return keepAnswer(request, reply, payload, claim);
    }),
  );
}

export default fp(idempotencyPlugin, { name: 'idempotency', dependencies: ['store', 'auth', 'token-guard'] });
