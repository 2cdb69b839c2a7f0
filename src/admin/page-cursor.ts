import { AdminInvalidRequest } from './admin-errors.ts';

/**
 * Where a page of a list ended: the time and id of its last item. Lists are ordered newest first, then by id, so
 * the next page is "everything after this position", which neither repeats nor skips an item, also when items share
 * a time or new ones arrive while someone pages.
 */
export interface PagePosition {
  readonly at: Date;
  readonly id: string;
}

/** A page as the list operations answer it: `next` is opaque to callers, who only pass it back as `cursor`. */
export interface Page<T> {
  readonly items: T[];
  readonly next: string | null;
}

const ID = /^[0-9a-f]{24}$/;

/** `next` of a page: base64url, so a caller sees no structure it could come to depend on. */
export function cursorOf({ at, id }: PagePosition): string {
  return Buffer.from(`${at.toISOString()}|${id}`, 'utf8').toString('base64url');
}

/** The position a `cursor` names; 400 ADMIN.INVALID_REQUEST for one this API did not hand out. */
export function positionOf(cursor: string): PagePosition {
  const [time = '', id = '', ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const at = new Date(time);
  // Node decodes base64url leniently (it skips what is not base64): only a cursor that re-encodes to itself is one.
  const valid = rest.length === 0 && ID.test(id) && !Number.isNaN(at.getTime()) && cursorOf({ at, id }) === cursor;
  if (!valid) throw new AdminInvalidRequest('cursor: not a `next` this API handed out');
  return { at, id };
}

/**
 * One page of at most `limit` items after `cursor`: asks `read` for one more than that, which tells whether a
 * next page exists without a second query.
 */
export async function readPage<T>(
  request: { limit: number; cursor?: string | undefined },
  read: (limit: number, after: PagePosition | undefined) => Promise<T[]>,
  positionOfItem: (item: T) => PagePosition,
): Promise<Page<T>> {
  const after = request.cursor === undefined ? undefined : positionOf(request.cursor);
  const found = await read(request.limit + 1, after);
  const items = found.slice(0, request.limit);
  const last = items.at(-1);
  return { items, next: found.length > request.limit && last ? cursorOf(positionOfItem(last)) : null };
}
