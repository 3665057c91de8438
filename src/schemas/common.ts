import { z } from 'zod';

/** The most problems one answer lists (the rest are counted): an answer never grows with its request. */
export const MAX_LISTED_ERRORS = 20;

/** How long a problem's texts may be: longer ones are clipped (an answer never grows with its request). */
export const PROBLEM_TEXT = { detail: 2000, path: 120, message: 300 } as const;

/** An id as the server gives it out: a prefix and 20 letters or digits (100 is what requests may name). */
export const Id = z.string().max(100);

const ProblemSchema = z
  .object({
    type: z.string().max(200).describe('A URI naming the kind of problem; `about:blank` when the HTTP status says it all.'),
    title: z.string().max(100),
    status: z.int().min(400).max(599),
    detail: z.string().max(PROBLEM_TEXT.detail),
    instance: z.string().max(2000).optional(),
    errors: z
      .array(z.object({ path: z.string().max(PROBLEM_TEXT.path), message: z.string().max(PROBLEM_TEXT.message) }))
      .max(MAX_LISTED_ERRORS)
      .optional()
      .describe('For validation failures: each problem with the field it concerns, e.g. `advisory.ratings.language.level`; at most 20.'),
    moreErrors: z.int().min(1).max(2 ** 31 - 1).optional().describe('How many more problems the request had than `errors` lists.'),
  })
  .meta({ id: 'Problem', description: 'An RFC 9457 problem detail, served as application/problem+json.' });

export type Problem = z.infer<typeof ProblemSchema>;

/**
 * Query parameters arrive as strings: only plain whole numbers ("", "0x10" and "1e1" are not), held
 * to the range. The document shows the integer it stands for (the docs plugin drops the text's pattern).
 */
export const queryInt = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d{1,9}$/, `give a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.int().min(min).max(max))
    .meta({ type: 'integer', minimum: min, maximum: max });

/** The most items a page holds, and the longest cursor a page gives out or takes back. */
const MAX_PAGE = 100;
const MAX_CURSOR = 2000;

export const LimitQuery = queryInt(1, MAX_PAGE).default(20).describe('Page size, 1–100.');
export const CursorQuery = z
  .string()
  .min(1)
  .max(MAX_CURSOR)
  .optional()
  .describe('The `nextCursor` of the previous page, passed back unchanged.');

export const Timestamp = z.iso.datetime().max(40).describe('ISO 8601, UTC');

/**
 * An id in a path or a body, as the server gave it out. One that does not exist is a 404 like any
 * other, but one holding NUL is refused first: PostgreSQL cannot even compare such text.
 */
export const IdString = z.string().max(100).refine((id) => !id.includes('\u0000'), 'holds a NUL character (U+0000), which no id does');

/** Bidirectional embeddings, overrides and isolates: they make the text after them show in another order. */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/;

/**
 * Text that is stored comes back as it was sent, or is refused; it is never changed. UTF-8 has no
 * form for a lone UTF-16 surrogate, which would come back as U+FFFD; PostgreSQL none for NUL. A
 * byte-order mark (U+FEFF) is refused rather than kept: it is invisible, and `.trim()` (JavaScript
 * counts it as white space) would silently drop it from the ends. These checks run before any
 * `.trim()` added after.
 */
export const storedText = () =>
  z
    .string()
    .refine((text) => text.isWellFormed(), 'holds a broken character (a lone UTF-16 surrogate)')
    .refine((text) => !text.includes('\uFEFF'), 'holds a byte-order mark (U+FEFF), an invisible character; remove it')
    // PostgreSQL's text cannot hold one, and what one backend cannot keep neither takes.
    .refine((text) => !text.includes('\u0000'), 'holds a NUL character (U+0000), which text cannot be stored with; remove it');

/**
 * A name, nickname or headline: short text shown as a label, where a bidirectional control could
 * make what a parent reads differ from what was written (a right-to-left override turns
 * "gpj.exe" into "exe.jpg"). Long texts keep them: mixed-direction writing may need them.
 */
export const labelText = () =>
  storedText().refine(
    (text) => !BIDI_CONTROLS.test(text),
    'holds a bidirectional control character (U+202A–U+202E or U+2066–U+2069), which can make a name show in another order than it was written; remove it',
  );

export const page = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item).max(MAX_PAGE),
    nextCursor: z.string().max(MAX_CURSOR).nullable().describe('Pass as `cursor` to get the next page; null on the last page.'),
  });

export const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is not valid; `errors` names each bad field.',
  401: 'No token, or a malformed, unknown or revoked one.',
  403: 'The token’s role may not do this.',
  404: 'Nothing matches the reference.',
  409: 'The change conflicts with what is stored (for example an external id another title holds), or a request with the same Idempotency-Key is still in progress.',
  412: 'The If-Match ETag is stale: someone changed the resource since you read it.',
  413: 'The body is larger than the server accepts.',
  414: 'A path parameter is longer than the server accepts.',
  415: 'The body is not application/json.',
  422: 'The Idempotency-Key was first used for another request (another method, path or body).',
  429: 'A rate limit or quota is spent: `RateLimit` names it, `Retry-After` says when to try again.',
  500: 'Something failed on the server; what is logged, not shown.',
  503: 'The server cannot answer now: it is overloaded (`overloaded`), shutting down (`shutting-down`), took too long (`timeout`), found the database too busy (`database-busy`), or, for /readyz, not ready. Wait as long as `Retry-After` says when it is present.',
};

/** Response entries for the errors a route may answer with, served as application/problem+json. */
export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    // Any route may answer 401: a bad token is refused everywhere, even where none is needed. And
    // any may answer 503: load shedding, shutting down and the handler timeout spare none.
    [...new Set([...statuses, 401, 503])].sort().map((status) => [
      status,
      { description: PROBLEM_DESCRIPTIONS[status] ?? 'A problem.', content: { 'application/problem+json': { schema: ProblemSchema } } },
    ]),
  ) as Record<number, { description: string; content: { 'application/problem+json': { schema: typeof ProblemSchema } } }>;

export const IfMatchHeaders = z.object({
  'if-match': z.string().max(200).optional().describe('The ETag last read; the change is refused with 412 when it is stale.'),
});

type SecurityRequirement = Record<string, string[]>;

/** The OpenAPI security requirement of routes that need a bearer token. */
export const BEARER: SecurityRequirement[] = [{ bearer: [] }];

/** The requirement of routes anyone may call without a token (a bad one is still refused, 401). */
export const PUBLIC: SecurityRequirement[] = [];

/** The requirement of routes that need no token but heed one: a household sees its own hidden reviews, an admin signs households up while sign-up is closed. */
export const OPTIONAL_BEARER: SecurityRequirement[] = [{}, { bearer: [] }];

/** The longest wait a Retry-After names: an hour, the longest window a limit counts in. */
export const MAX_RETRY_AFTER_SECONDS = 3600;

/**
 * Response headers worth documenting, under their registered names (the server sends them in
 * lower case; header names are case-insensitive); routes name the ones they send per status.
 */
export const RESPONSE_HEADERS = {
  ETag: {
    description: 'The version of what was returned; send it back in If-Match or If-None-Match.',
    schema: { type: 'string', maxLength: 50, pattern: '^"[0-9a-f-]+"$' },
  },
  Location: { description: 'Where the new resource lives.', schema: { type: 'string', maxLength: 200, pattern: '^/v1/' } },
  'Retry-After': {
    description: 'Seconds to wait before trying again.',
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: MAX_RETRY_AFTER_SECONDS },
  },
  // On nearly every answer: defined once in components.headers (HEADER_COMPONENTS) and referred to.
  RateLimit: { $ref: '#/components/headers/RateLimit' },
  'RateLimit-Policy': { $ref: '#/components/headers/RateLimit-Policy' },
  'Idempotent-Replayed': {
    description: '`true` when this is the kept answer to an earlier request with the same Idempotency-Key: nothing was done again.',
    schema: { type: 'string', enum: ['true'] },
  },
} as const;

/** Response headers the document defines once, under components.headers. */
export const HEADER_COMPONENTS = {
  RateLimit: {
    description:
      'Where you stand with each limit that applied (draft-ietf-httpapi-ratelimit-headers): `"token";r=5999;t=42` — r requests (or titles) left, for the next t seconds.',
    schema: { type: 'string', maxLength: 500 },
  },
  'RateLimit-Policy': {
    description: 'The limits that applied: `"token";q=6000;w=60` — q a window of w seconds; `qu="titles"` where titles judged, not requests, are counted.',
    schema: { type: 'string', maxLength: 500 },
  },
} as const;

/**
 * Documents response headers. The zod type provider drops headers from response objects, so
 * they travel as an operation extension that the docs plugin moves into the responses.
 */
export const documentHeaders = (byStatus: Record<number, (keyof typeof RESPONSE_HEADERS)[]>) => ({ 'x-response-headers': byStatus });
