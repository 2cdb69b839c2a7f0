import { decodeCursor, encodeCursor, type ListCursor } from './list-cursor.ts';

/** A page of a newest-first list: `next` is the cursor of the page after it, null on the last one. */
export interface ListPage<T> {
  readonly items: T[];
  readonly next: string | null;
}

/**
 * One page of at most `limit` items after `cursor` (400 for a cursor this API did not hand out): asks `read` for
 * one more than that, which tells whether a next page exists without a second query.
 */
export async function readPage<T>(
  request: { limit: number; cursor?: string | undefined },
  read: (limit: number, after: ListCursor | undefined) => Promise<T[]>,
  positionOf: (item: T) => ListCursor,
): Promise<ListPage<T>> {
  const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
  const found = await read(request.limit + 1, after);
  const items = found.slice(0, request.limit);
  const last = items.at(-1);
  return { items, next: found.length > request.limit && last ? encodeCursor(positionOf(last)) : null };
}
