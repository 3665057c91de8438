/** The catalogue: titles and their expert advisories. */
import type { CategoryKey } from '../domain/categories.js';
import { Invalid, NotFound } from '../domain/errors.js';
import { titleNotFound, type TitleRef } from '../domain/references.js';
import { searchTokens, sortKey } from '../domain/text.js';
import type { AdvisoryInput, TitleInput, TitlePatch } from '../domain/titles.js';
import type { TitleFilterQuery } from '../schemas/titles.js';
import type { ExpectedVersions, LevelFilter, SortKey, Store, TitleFilters, TitleRecord, TitleSort } from '../store/types.js';
import type { PageRequest } from './paging.js';

const LEVEL_PARAMS: Record<string, [CategoryKey, LevelFilter['op']]> = {
  maxLanguage: ['language', 'max'],
  maxSex: ['sex', 'max'],
  maxDrinking: ['drinking', 'max'],
  maxViolence: ['violence', 'max'],
  maxConsumerism: ['consumerism', 'max'],
  minMessages: ['messages', 'min'],
  minRoleModels: ['roleModels', 'min'],
  minEducational: ['educational', 'min'],
  minDiversity: ['diversity', 'min'],
};

/** The store's filters from a catalogue query; every catalogue view (the titles, a child's titles) reads them alike. */
export function titleFilters(query: TitleFilterQuery): TitleFilters {
  const q = query.q === undefined ? undefined : searchTokens(query.q);
  if (q && q.length === 0) throw new Invalid('query.q', 'give at least one letter or digit to search for');
  const genre = query.genre === undefined ? undefined : sortKey(query.genre);
  if (genre === '') throw new Invalid('query.genre', 'give at least one letter or digit');
  return {
    q,
    kinds: query.kind,
    genre,
    forAge: query.forAge,
    levels: Object.entries(LEVEL_PARAMS).flatMap(([param, [category, op]]) => {
      const value = query[param as keyof TitleFilterQuery] as number | undefined;
      return value === undefined ? [] : [{ category, op, value }];
    }),
    updatedSince: query.updatedSince && new Date(query.updatedSince).toISOString(),
    level: query.level,
  };
}

/** A catalogue page: the query's filters and sort, and where the page starts once the filters are known. */
type CataloguePage = { query: TitleFilterQuery; sort: TitleSort } & PageRequest<SortKey, [filters: TitleFilters]>;

/** The title a reference names; every use case that takes a title reference starts here. */
export async function findTitle(store: Store, ref: TitleRef): Promise<TitleRecord> {
  const found = await store.titles.get(ref);
  if (!found) throw titleNotFound(ref);
  return found;
}

export function titleService(store: Store) {
  const { titles } = store;
  return {
    getTitle: (ref: TitleRef) => findTitle(store, ref),
    listTitles({ query, sort, limit, after }: CataloguePage) {
      const filters = titleFilters(query);
      return titles.list({ filters, sort, limit, after: after(filters) });
    },
    createTitle: (input: TitleInput) => titles.create(input),
    updateTitle: (ref: TitleRef, patch: TitlePatch, expected: ExpectedVersions) => titles.update(ref, patch, expected),
    removeTitle: (ref: TitleRef, expected: ExpectedVersions) => titles.remove(ref, expected),

    /** The advisory and the version of its title, which is the advisory's version too. */
    async getAdvisory(ref: TitleRef) {
      const { title, version } = await findTitle(store, ref);
      if (!title.advisory) throw new NotFound(`'${title.name}' has no expert advisory yet.`);
      return { advisory: title.advisory, version };
    },
    putAdvisory: (ref: TitleRef, advisory: AdvisoryInput, expected: ExpectedVersions) => titles.putAdvisory(ref, advisory, expected),
    removeAdvisory: (ref: TitleRef, expected: ExpectedVersions) => titles.removeAdvisory(ref, expected),
  };
}
