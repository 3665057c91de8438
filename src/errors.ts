/**
 * Errors of the HTTP layer itself (a malformed header, a missing token, an overloaded server).
 * Each carries its status and a problem type; the root error handler turns them into RFC 9457
 * problem+json. The rules' and the store's errors are in src/domain/errors.ts.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    detail: string,
    readonly headers: Record<string, string> = {},
    readonly errors?: { path: string; message: string }[],
  ) {
    super(detail);
  }
}

/** Problem types are URNs: stable names clients can switch on, documented in the README. */
export const PROBLEM_BASE = 'urn:guidepost:problem:';

export const badRequest = (detail: string) => new AppError(400, `${PROBLEM_BASE}bad-request`, 'Bad Request', detail);

export const unauthorized = (detail: string) =>
  new AppError(401, `${PROBLEM_BASE}unauthorized`, 'Unauthorized', detail, {
    'www-authenticate': 'Bearer realm="guidepost"',
  });

/**
 * The service cannot answer now: `kind` is `overloaded`, `shutting-down` or `timeout`. With a
 * `Retry-After` when the server can tell how long to wait.
 */
export const serviceUnavailable = (kind: 'overloaded' | 'shutting-down' | 'timeout', detail: string, retryAfterSeconds?: number) =>
  new AppError(503, `${PROBLEM_BASE}${kind}`, 'Service Unavailable', detail, retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) });
