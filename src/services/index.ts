/**
 * The service layer: every rule that needs the store, written once. Routes reach it through
 * `app.services` (src/plugins/services.ts); it knows nothing of HTTP and throws only domain errors.
 */
import type { Config } from '../config.js';
import type { Store } from '../store/types.js';
import { childService } from './children.js';
import { householdService } from './households.js';
import { requestService } from './requests.js';
import { reviewService } from './reviews.js';
import { titleService } from './titles.js';
import { verdictService } from './verdicts.js';

export type ServiceConfig = Pick<Config, 'SIGNUP' | 'TOKENS_PER_HOUSEHOLD' | 'CHILDREN_PER_HOUSEHOLD' | 'COMMUNITY_MIN_REVIEWS' | 'REQUEST_TTL_HOURS'>;

export function createServices(store: Store, config: ServiceConfig) {
  const verdicts = verdictService(store, config);
  return {
    households: householdService(store, config),
    children: childService(store, config),
    verdicts,
    requests: requestService(store, config, verdicts),
    titles: titleService(store),
    reviews: reviewService(store),
  };
}

export type Services = ReturnType<typeof createServices>;
