import { getHeapStatistics } from 'node:v8';
import { isIP } from 'node:net';
import { z } from 'zod';
import { databaseLocation, DatabaseLocationError, DEFAULT_SQLITE_PATH } from './db/location.js';
import { openStore, type Store, type StoreOptions } from './store/index.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');

/** proxy-addr's names for address ranges, accepted in TRUST_PROXY. */
const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

const isAddressOrRange = (entry: string) => {
  const [address = '', prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128));
};

/**
 * Which proxies may tell the client's address (X-Forwarded-For): none (the default), or a list of
 * addresses, CIDR ranges and proxy-addr's range names. Never "every proxy" (nor a hop count, which
 * Fastify treats as none): any client could then name its own address and slip the per-address limits.
 */
const trustProxy = z
  .string()
  .default('')
  .transform((value, ctx): false | string[] => {
    if (value.trim() === '') return false;
    const entries = value.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = entries.filter((e) => !PROXY_RANGES.has(e) && !isAddressOrRange(e));
    if (bad.length > 0) {
      ctx.addIssue({ code: 'custom', message: `give addresses, CIDR ranges, loopback, linklocal or uniquelocal, comma-separated; not ${bad.join(', ')}` });
      return z.NEVER;
    }
    return entries;
  });

const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  // Its form here; whether a SQLite file can be there when the store opens it (openConfiguredStore).
  DATABASE_URL: z
    .string()
    .default(DEFAULT_SQLITE_PATH)
    .superRefine((value, ctx) => {
      try {
        databaseLocation(value);
      } catch (err) {
        if (!(err instanceof DatabaseLocationError)) throw err;
        ctx.addIssue({ code: 'custom', message: err.message });
      }
    }),
  // PostgreSQL only (DATABASE_URL=postgres://…; TLS and the rest go in the URL). The schema holds
  // Guidepost's tables and its migration journal; the pool is per instance, so several instances
  // need the server's max_connections above their sum; a statement past the timeout is cancelled.
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a schema name: up to 63 lower-case letters, digits and _, not starting with a digit')
    .default('public'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  GUIDEPOST_DEMO: flag.default(false),
  SIGNUP: z.enum(['open', 'closed']).default('open'),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.url({ protocol: /^https?$/ }))),
  BODY_LIMIT: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  COMMUNITY_MIN_REVIEWS: z.coerce.number().int().min(1).max(1000).default(5),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  // Node's own default; larger headers are refused with 431 before any code of ours runs.
  MAX_HEADER_SIZE: z.coerce.number().int().min(1024).max(1024 * 1024).default(16 * 1024),
  // Limits; 0 turns one off. Requests a minute per client address (without a token) and per
  // token (a household's tokens share one allowance); titles judged an hour per household.
  RATE_LIMIT_ANONYMOUS: z.coerce.number().int().min(0).max(1_000_000).default(600),
  RATE_LIMIT_TOKEN: z.coerce.number().int().min(0).max(1_000_000).default(6000),
  VERDICT_QUOTA: z.coerce.number().int().min(0).max(100_000_000).default(20_000),
  // Sign-ups an hour per client address (admins are not counted): a family signs up once.
  RATE_LIMIT_SIGNUP: z.coerce.number().int().min(0).max(1_000_000).default(20),
  // What one household may hold: children, and tokens not revoked.
  CHILDREN_PER_HOUSEHOLD: z.coerce.number().int().min(1).max(10_000).default(20),
  // How long a child's request to watch stays open for the parents: a week by default.
  REQUEST_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 365).default(168),
  // At least two: rotating mints the new token before the old one is revoked.
  TOKENS_PER_HOUSEHOLD: z.coerce.number().int().min(2).max(10_000).default(20),
  TRUST_PROXY: trustProxy,
  // Where instances share their rate-limit counters; without it each process counts alone.
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'a redis:// or rediss:// URL' }).optional(),
  // Put before every counter's key, so instances of one deployment share counters and others do not.
  REDIS_PREFIX: z.string().min(1).max(100).default('guidepost:'),
  SQLITE_SYNCHRONOUS: z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(['full', 'normal']))
    .default('full'),
  // SQLite's page cache for the server's connection: the upper levels of every index stay in
  // memory, so a title read at a million titles costs fewer page reads. It counts in the resident set.
  SQLITE_CACHE_MB: z.coerce.number().int().min(1).max(16 * 1024).default(16),
  // Above REQUEST_TIMEOUT_MS (see the check below), whose own cap it must be able to pass.
  HANDLER_TIMEOUT_MS: z.coerce.number().int().min(100).max(660_000).default(15_000),
  // Load shedding: 0 turns a threshold off.
  MAX_EVENT_LOOP_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(1_000),
  MAX_HEAP_USED_MB: z.coerce
    .number()
    .int()
    .min(0)
    .max(1024 * 1024)
    .default(() => Math.floor((getHeapStatistics().heap_size_limit * 0.9) / 2 ** 20)),
  MAX_RSS_MB: z.coerce.number().int().min(0).max(1024 * 1024).default(0),
  // V8's heap policy for small machines: collect sooner rather than let the heap grow to four
  // times what is live. Building the title index for a million titles peaked at 470 MB without
  // it and 260 MB with it, for some 10% of throughput (see the README's benchmark).
  OPTIMIZE_FOR_SIZE: flag.default(true),
  // Prometheus metrics, off unless one of these is set: on a listener of their own (METRICS_PORT,
  // loopback unless METRICS_HOST says otherwise), else at /metrics on the API port to the bearer
  // of METRICS_TOKEN alone. The token, when set, is asked for on either.
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  METRICS_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9._~+/-]{32,}=*$/, 'at least 32 characters, letters, digits and -._~+/ only (`openssl rand -hex 32` makes one)')
    .optional(),
}).superRefine((c, ctx) => {
  if (c.METRICS_PORT !== undefined && c.METRICS_PORT !== 0 && c.METRICS_PORT === c.PORT) {
    ctx.addIssue({ code: 'custom', path: ['METRICS_PORT'], message: `must differ from PORT (${c.PORT}): the metrics listener is a port of its own, which the public API's port is not` });
  }
  // A slow upload runs into both clocks: the request's from its first byte, the handler's from its
  // headers. Node notices an expired request up to one checking interval late, so unless the
  // handler's is longer by more than that, the upload is told 503 (our fault), not 408 (its own).
  const least = c.REQUEST_TIMEOUT_MS + timeoutCheckInterval(c.REQUEST_TIMEOUT_MS);
  if (c.HANDLER_TIMEOUT_MS <= least) {
    ctx.addIssue({
      code: 'custom',
      path: ['HANDLER_TIMEOUT_MS'],
      message: `must be more than ${least}: REQUEST_TIMEOUT_MS (${c.REQUEST_TIMEOUT_MS}) and the ${least - c.REQUEST_TIMEOUT_MS} ms Node may take to notice it, so that a slow upload is answered 408, not 503`,
    });
  }
});

/**
 * How often Node looks for requests past REQUEST_TIMEOUT_MS (connectionsCheckingInterval; 30 s
 * unless told): a slow client is cut off this much after its time at most.
 */
export function timeoutCheckInterval(requestTimeoutMs: number): number {
  return Math.min(1_000, Math.ceil(requestTimeoutMs / 4));
}

export type Config = z.infer<typeof ConfigSchema>;

/** A variable (or the command-line option standing for one) whose value is refused, and why. */
export interface ConfigProblem {
  name: string;
  value: string;
  reason: string;
}

/** The configuration refused: one line for each variable, naming it, its value and the reason. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((p) => `${p.name}=${JSON.stringify(p.value)}: ${p.reason}`).join('\n'));
  }

  /** A line on stderr for each refused variable, as the server and the guidepost command print it. */
  report(): void {
    for (const line of this.message.split('\n')) console.error(`guidepost: ${line}`);
  }
}

/** Turns a database that cannot be where `name` says into the ConfigError that names it. */
export const refusedLocation =
  (name: string, value: string) =>
  (err: unknown): never => {
    throw err instanceof DatabaseLocationError ? new ConfigError([{ name, value, reason: err.message }]) : err;
  };

/** Variables whose refused value is not printed: a secret nearly right is still nearly the secret. */
const SECRETS = new Set(['METRICS_TOKEN']);

/** Parses the environment once; a bad variable stops start-up with a message that names it. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", as shells and compose files tend to produce them.
  const present = Object.fromEntries(
    Object.keys(ConfigSchema.shape).flatMap((key) => (env[key] ? [[key, env[key]]] : [])),
  );
  const parsed = ConfigSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        return { name, value: SECRETS.has(name) ? '(hidden)' : (env[name] ?? ''), reason: issue.message };
      }),
    );
  }
  return parsed.data;
}

/**
 * The store the configuration names, opened as it says, for either backend (options override it).
 * A database that cannot be where DATABASE_URL says (no such folder, not a SQLite file, /proc, …)
 * is a ConfigError naming DATABASE_URL: the server and the command refuse it alike.
 */
export function openConfiguredStore(config: Config, options: StoreOptions = {}): Promise<Store> {
  const configured: StoreOptions = {
    synchronous: config.SQLITE_SYNCHRONOUS,
    cacheMb: config.SQLITE_CACHE_MB,
    schema: config.DATABASE_SCHEMA,
    poolSize: config.DATABASE_POOL_SIZE,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
  };
  return openStore(config.DATABASE_URL, { ...configured, ...options }).catch(refusedLocation('DATABASE_URL', config.DATABASE_URL));
}
