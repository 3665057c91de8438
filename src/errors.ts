/**
 * Errors the application raises on purpose. Each carries its HTTP status and a problem type;
 * the root error handler turns them into RFC 9457 problem+json. Anything else is a 500.
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

export const notFound = (detail: string) => new AppError(404, `${PROBLEM_BASE}not-found`, 'Not Found', detail);

export const conflict = (detail: string) => new AppError(409, `${PROBLEM_BASE}conflict`, 'Conflict', detail);

export const preconditionFailed = (detail: string) =>
  new AppError(412, `${PROBLEM_BASE}precondition-failed`, 'Precondition Failed', detail);

export const badRequest = (detail: string) => new AppError(400, `${PROBLEM_BASE}bad-request`, 'Bad Request', detail);

export const unauthorized = (detail: string) =>
  new AppError(401, `${PROBLEM_BASE}unauthorized`, 'Unauthorized', detail, {
    'www-authenticate': 'Bearer realm="guidepost"',
  });

export const forbidden = (detail: string) => new AppError(403, `${PROBLEM_BASE}forbidden`, 'Forbidden', detail);

/** A validation failure found after the schema passed (one that needs today's date or the database). */
export const invalid = (path: string, message: string) =>
  new AppError(400, `${PROBLEM_BASE}validation`, 'Validation Failed', `The request is not valid: ${path}: ${message}`, {}, [{ path, message }]);

/**
 * The service cannot answer now: `kind` is `overloaded`, `shutting-down` or `timeout`. With a
 * `Retry-After` when the server can tell how long to wait.
 */
export const serviceUnavailable = (kind: 'overloaded' | 'shutting-down' | 'timeout', detail: string, retryAfterSeconds?: number) =>
  new AppError(503, `${PROBLEM_BASE}${kind}`, 'Service Unavailable', detail, retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) });
