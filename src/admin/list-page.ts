import { readPage as readStorePage, type ListCursor, type ListPage } from '../store/list-cursor.ts';
import { AdminInvalidRequest } from './admin-errors.ts';

export type { ListCursor, ListPage };

/** One page of an admin list; a cursor this API did not hand out answers 400 (store/list-cursor.ts). */
export async function readPage<T>(
  request: { limit: number; cursor?: string | undefined },
  read: (limit: number, after: ListCursor | undefined) => Promise<T[]>,
  positionOf: (item: T) => ListCursor,
): Promise<ListPage<T>> {
  const page = await readStorePage(request, read, positionOf);
  if (!page) throw new AdminInvalidRequest('cursor: not one this API handed out (pass the `next` of the page before)');
  return page;
}
