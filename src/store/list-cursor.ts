import { isObjectIdText } from './object-ids.ts';

/** Where a newest-first list stopped: the time and id of the last item on the page. */
export interface ListCursor {
  readonly at: Date;
  readonly id: string;
}

/** A page of a newest-first list: `next` is the cursor of the page after it, null on the last one. */
export interface ListPage<T> {
  readonly items: T[];
  readonly next: string | null;
}

/**
 * The `next` of a page, handed back as `cursor` for the following one. Opaque to callers (base64url), so what it
 * holds may change without a client noticing; the id as tie-break keeps the order total among items of one instant.
 */
export function encodeCursor({ at, id }: ListCursor): string {
  return Buffer.from(`${at.toISOString()}|${id}`, 'utf8').toString('base64url');
}

/**
 * A cursor handed out by encodeCursor, or null: one that was not (edited, truncated) must be refused rather than
 * read as "from the start", which would show the first page again as if it were the next. Only the canonical
 * encoding is taken (base64url decoding alone skips characters it does not know).
 */
export function decodeCursor(text: string): ListCursor | null {
  const [time, id, ...rest] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  const at = new Date(time ?? '');
  const cursor = { at, id: id ?? '' };
  if (rest.length > 0 || !isObjectIdText(id) || Number.isNaN(at.getTime()) || encodeCursor(cursor) !== text) {
    return null;
  }
  return cursor;
}

/**
 * One page of at most `limit` items after `cursor` (null for a cursor that is not one): asks `read` for one more
 * than that, which tells whether a next page exists without a second query.
 */
export async function readPage<T>(
  request: { limit: number; cursor?: string | undefined },
  read: (limit: number, after: ListCursor | undefined) => Promise<T[]>,
  positionOf: (item: T) => ListCursor,
): Promise<ListPage<T> | null> {
  const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
  if (after === null) return null;
  const found = await read(request.limit + 1, after);
  const items = found.slice(0, request.limit);
  const last = items.at(-1);
  return { items, next: found.length > request.limit && last ? encodeCursor(positionOf(last)) : null };
}
