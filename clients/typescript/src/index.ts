/**
 * The Guidepost API from TypeScript: openapi-fetch over the types openapi-typescript generates
 * from the API's OpenAPI document (./schema.ts). Every path, parameter, body and answer is typed
 * by the document; nothing here restates it.
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { paths } from './schema.js';

/** The document's types: `paths`, `components`, `operations`, and each schema by its name (Child, ChildVerdict, …). */
export type * from './schema.js';

/** A client of every path of the API: `GET('/v1/titles', …)`, `POST('/v1/children', …)`, … */
export type GuidepostClient = Client<paths>;

export interface GuidepostClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where the server answers, e.g. `https://guidepost.example.org` (the paths carry `/v1`). */
  baseUrl: string;
  /** A household's, editor's or admin's token, sent as `Authorization: Bearer …` on each request. */
  token?: string | undefined;
}

/**
 * A typed client of one server. Each call answers `{ data, error, response }`: `data` when the
 * status is 2xx, else `error` (the API's problem+json); it throws only when the server cannot be
 * reached. With a token, each request carries it, unless a call sets its own Authorization header.
 */
export function createGuidepostClient({ baseUrl, token, ...options }: GuidepostClientOptions): GuidepostClient {
  // The document's query lists (kind=movie,tv) are comma-separated: form style, not exploded.
  const client = createClient<paths>({ baseUrl, querySerializer: { array: { style: 'form', explode: false } }, ...options });
  if (token !== undefined) {
    client.use({
      onRequest({ request }) {
        if (!request.headers.has('authorization')) request.headers.set('authorization', `Bearer ${token}`);
      },
    });
  }
  return client;
}
