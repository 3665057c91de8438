/**
 * A page to read: how many, and where it starts. A cursor is signed for the query it continues,
 * which names what the list belongs to (a household, a child, a title) as the service finds it;
 * so the start is asked for only then, and an unknown child is a 404 before a foreign cursor is a 400.
 */
export interface PageRequest<Key, Owner extends unknown[] = [ownerId: string]> {
  limit: number;
  after: (...owner: Owner) => Key | undefined;
}
