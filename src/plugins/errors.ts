/**
 * One root error handler and one not-found handler: every error leaves as RFC 9457
 * problem+json, validation errors name their fields, and nothing of a 5xx leaks out.
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { STATUS_CODES } from 'node:http';
import { clip } from '../domain/text.js';
import { Conflict, DomainError, Invalid, NotAuthenticated, NotFound, StaleVersion } from '../domain/errors.js';
import { AppError, PROBLEM_BASE, unauthorized } from '../errors.js';
import { MAX_LISTED_ERRORS, PROBLEM_TEXT, type Problem } from '../schemas/common.js';

const PROBLEM_TYPE = 'application/problem+json';

/** What one error answer may hold, whatever the request held: it never grows with the input. */
export const MAX_PROBLEM_BYTES = 16 * 1024;
const { detail: MAX_DETAIL, path: MAX_PATH, message: MAX_MESSAGE } = PROBLEM_TEXT;

/** A validation failure (one with `errors`) gets its detail from them; any other problem gives one. */
type ProblemInput = Omit<Problem, 'title' | 'detail'> & ({ title?: string; detail: string } | { title?: string; detail?: undefined; errors: Problem['errors'] & {} });

/**
 * The problem as sent: a long detail is cut, and a validation failure lists at most
 * MAX_LISTED_ERRORS errors (fewer if they would make the answer larger than MAX_PROBLEM_BYTES)
 * and says how many more there were.
 */
function fitted(problem: ProblemInput): string {
  const base = { ...problem, title: problem.title ?? STATUS_CODES[problem.status] ?? 'Error', detail: clip(problem.detail ?? '', MAX_DETAIL) };
  if (!problem.errors) return JSON.stringify(base);
  const all = problem.errors;
  for (let listed = Math.min(all.length, MAX_LISTED_ERRORS); ; listed--) {
    const errors = all.slice(0, listed).map((e) => ({ path: clip(e.path, MAX_PATH), message: clip(e.message, MAX_MESSAGE) }));
    const more = all.length - listed;
    const said = errors.map((e) => `${e.path}: ${e.message}`).join('; ');
    const detail = clip(`The request is not valid: ${said}${more ? `${said ? '; ' : ''}and ${more} more` : ''}`, MAX_DETAIL);
    const body = JSON.stringify({ ...base, detail, errors, ...(more > 0 && { moreErrors: more }) });
    if (listed === 0 || Buffer.byteLength(body) <= MAX_PROBLEM_BYTES) return body;
  }
}

export function sendProblem(reply: FastifyReply, problem: ProblemInput): FastifyReply {
  // Serialised here rather than through the route's schema: an error may come from any route, or none.
  return reply.code(problem.status).type(PROBLEM_TYPE).send(fitted(problem));
}

/** Fastify's router errors (an undecodable URL, an over-long path parameter) as problems too. */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode ?? 400;
  const detail = status === 414 ? 'A path parameter is longer than this server accepts.' : 'The URL is not valid: it holds a malformed percent-encoding.';
  sendProblem(reply, { type: 'about:blank', status, detail });
}

/**
 * Requests Node refuses before Fastify routes them (bad request line, headers too large), and
 * requests not all there within REQUEST_TIMEOUT_MS: slow headers, or a slow body Fastify is still
 * reading. Node raises all of them here, with `this` bound to the Fastify instance.
 */
export function clientErrorHandler(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const detail = status === 431 ? 'The request headers are larger than this server accepts.' : status === 408 ? 'The request took too long to arrive.' : 'The request is not valid HTTP.';
  // The client's doing, not a fault of the server's: info, so a flood of them is visible but never an alarm.
  this.log.info({ status, code: error.code, remoteAddress: socket.remoteAddress }, 'client error');
  const body = JSON.stringify({ type: 'about:blank', title: STATUS_CODES[status], status, detail });
  if (!socket.writable) return void socket.destroy(error);
  // Closed once the answer is out, not merely half-closed: a client that keeps its side open and
  // goes on sending would otherwise keep the connection, and a request Fastify is reading, alive.
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}

const LOCATION: Record<string, string> = { body: '', querystring: 'query.', params: 'path.', headers: 'header.' };

interface ZodIssueView {
  instancePath: string;
  message: string;
  keyword: string;
  params: { keys?: string[] };
}

function validationErrors(context: string | undefined, issues: ZodIssueView[]) {
  const prefix = LOCATION[context ?? 'body'] ?? '';
  return issues.flatMap((issue) => {
    const base = issue.instancePath.split('/').filter(Boolean).join('.');
    // An unknown key is reported on its parent; name the key itself instead.
    const paths = issue.keyword === 'unrecognized_keys' && issue.params.keys ? issue.params.keys.map((k) => (base ? `${base}.${k}` : k)) : [base];
    const message = issue.keyword === 'unrecognized_keys' ? 'unknown field' : issue.message;
    return paths.map((path) => ({ path: `${prefix}${path}`.replace(/\.$/, '') || context || 'body', message }));
  });
}

/** Fastify's own 4xx errors, with wording a client can act on. */
const FRAMEWORK_ERRORS: Record<string, { type: string; detail: (err: FastifyError) => string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    type: 'unsupported-media-type',
    detail: () => 'Send the body as application/json.',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { type: 'payload-too-large', detail: () => 'The request body is larger than this server accepts.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    type: 'malformed-json',
    detail: () => 'The body is empty but the content type says JSON; send a JSON document or no content type.',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { type: 'malformed-json', detail: (err) => `The body is not valid JSON: ${err.message}` },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { type: 'bad-request', detail: () => 'The Content-Length header does not match the body.' },
};

/** The router options the app and the 405 mirror share, so both match paths alike. */
export const ROUTER_OPTIONS = { ignoreTrailingSlash: true, maxParamLength: 1000 } as const;

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route as registered, for the 405 answer and for the test that holds the OpenAPI paths to the routes. */
    registeredRoutes: { method: string; url: string; hidden: boolean }[];
  }
}

/** The problem each kind of rule or store error is, whichever layer raised it. */
function domainProblem(error: DomainError): ProblemInput {
  if (error instanceof Invalid) return { type: `${PROBLEM_BASE}validation`, title: 'Validation Failed', status: 400, errors: [{ path: error.path, message: error.reason }] };
  const [status, kind] =
    error instanceof NotFound ? [404, 'not-found'] : error instanceof Conflict ? [409, 'conflict'] : error instanceof StaleVersion ? [412, 'precondition-failed'] : [403, 'forbidden'];
  return { type: `${PROBLEM_BASE}${kind}`, status, detail: error.message };
}

function sendAppError(reply: FastifyReply, error: AppError): FastifyReply {
  reply.headers(error.headers);
  return sendProblem(reply, { type: error.type, title: error.title, status: error.status, detail: error.message, ...(error.errors && { errors: error.errors }) });
}

async function errorsPlugin(app: FastifyInstance): Promise<void> {
  // A router of our own mirrors every route, so a path that exists under another method answers 405, not 404.
  const router = FindMyWay(ROUTER_OPTIONS);
  const registered: FastifyInstance['registeredRoutes'] = [];
  app.decorate('registeredRoutes', registered);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      registered.push({ method, url: route.url, hidden: Boolean(route.schema?.hide) });
      if (!router.hasRoute(method as HTTPMethod, route.url)) router.on(method as HTTPMethod, route.url, () => {});
    }
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = (['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const).filter((m) => router.find(m, path));
    // A route for this very method that answered "not found" (a static file, say) is a 404.
    if (allowed.length > 0 && !allowed.includes(request.method as 'GET')) {
      reply.header('allow', allowed.join(', '));
      return sendProblem(reply, {
        type: `${PROBLEM_BASE}method-not-allowed`,
        status: 405,
        detail: `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}.`,
      });
    }
    return sendProblem(reply, { type: `${PROBLEM_BASE}not-found`, status: 404, detail: `Nothing is served at ${request.method} ${path}.` });
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors = validationErrors(error.validationContext, error.validation as unknown as ZodIssueView[]);
      return sendProblem(reply, {
        type: `${PROBLEM_BASE}validation`,
        title: 'Validation Failed',
        status: 400,
        errors,
      });
    }
    // A rule that wants a token says so in the same 401 (and WWW-Authenticate) as the auth plugin.
    if (error instanceof NotAuthenticated) return sendAppError(reply, unauthorized(error.message));
    if (error instanceof DomainError) return sendProblem(reply, domainProblem(error));
    if (error instanceof AppError) return sendAppError(reply, error);
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error, cause: error.cause }, 'response does not match its schema');
      return sendProblem(reply, { type: 'about:blank', status: 500, detail: 'The server failed to answer; the failure is logged.' });
    }
    if (error.code === 'FST_ERR_HANDLER_TIMEOUT') {
      request.log.warn({ handlerTimeout: request.routeOptions.handlerTimeout }, 'handler timed out');
      reply.header('retry-after', '1');
      return sendProblem(reply, {
        type: `${PROBLEM_BASE}timeout`,
        status: 503,
        detail: 'The server took too long to answer and gave up. A change the request asked for may still have been made: read before you retry.',
      });
    }
    if (request.server.hasDecorator('store') && request.server.store.gaveUp(error)) {
      request.log.warn({ err: error }, 'the database gave up on a statement for time');
      reply.header('retry-after', '1');
      return sendProblem(reply, {
        type: `${PROBLEM_BASE}database-busy`,
        status: 503,
        detail: 'The database was too busy to answer in time, and what this request was writing was rolled back. Retry in a moment.',
      });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const known = error.code ? FRAMEWORK_ERRORS[error.code] : undefined;
      if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') reply.header('accept', 'application/json');
      return sendProblem(reply, {
        type: known ? `${PROBLEM_BASE}${known.type}` : 'about:blank',
        status,
        detail: known ? known.detail(error) : error.message,
      });
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, {
      type: 'about:blank',
      status: status >= 500 && status < 600 ? status : 500,
      detail: 'The server failed to answer; the failure is logged.',
    });
  });
}

export default fp(errorsPlugin, { name: 'errors' });
