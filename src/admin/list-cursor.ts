import { isObjectIdText } from '../store/object-ids.ts';
import { AdminInvalidRequest } from './admin-errors.ts';

/** Where a newest-first list stopped: the time and id of the last item on the page. */
export interface ListCursor {
  readonly at: Date;
  readonly id: string;
}

/**
 * The `next` of a page, handed back as `cursor` for the following one. Opaque to callers (base64url), so what it
 * holds may change without a client noticing; the id as tie-break keeps the order total among items of one instant.
 */
export function encodeCursor({ at, id }: ListCursor): string {
  return Buffer.from(`${at.toISOString()}|${id}`, 'utf8').toString('base64url');
}

/**
 * A cursor this API handed out, or a 400: one it did not (edited, truncated) is refused rather than read as "from
 * the start", which would show the first page again as if it were the next. Only the canonical encoding is taken
 * (base64url decoding alone skips characters it does not know).
 */
export function decodeCursor(text: string): ListCursor {
  const [time, id, ...rest] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  const at = new Date(time ?? '');
  const cursor = { at, id: id ?? '' };
  if (rest.length > 0 || !isObjectIdText(id) || Number.isNaN(at.getTime()) || encodeCursor(cursor) !== text) {
    throw new AdminInvalidRequest('cursor: not one this API handed out (pass the `next` of the page before)');
  }
  return cursor;
}
