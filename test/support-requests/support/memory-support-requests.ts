import {
  SUPPORT_REQUEST_TEXT_FIELDS,
  type NewSupportRequest,
  type SupportRequest,
  type SupportRequestPageRequest,
  type SupportRequestSearch,
  type SupportRequestStore,
} from '../../../src/support-requests/support-requests.ts';

type Position = Pick<SupportRequest, 'id'> & { at: Date };

const newestFirst = (a: Position, b: Position) => b.at.getTime() - a.at.getTime() || b.id.localeCompare(a.id);
const positionOf = (r: SupportRequest): Position => ({ at: r.createdAt, id: r.id });

function matches(r: SupportRequest, criteria: SupportRequestSearch): boolean {
  if (criteria.status && r.status !== criteria.status) return false;
  if (criteria.signIns && !criteria.signIns.some((s) => s.issuer === r.issuer && s.subject === r.subject)) return false;
  if (criteria.createdFrom && r.createdAt < criteria.createdFrom) return false;
  if (criteria.createdTo && r.createdAt >= criteria.createdTo) return false;
  const text = criteria.text?.toLowerCase();
  if (text && !SUPPORT_REQUEST_TEXT_FIELDS.some((field) => r[field].toLowerCase().includes(text))) return false;
  return true;
}

/** Support requests in memory, for tests of what is built on them; held to the same contract as MongoDB. */
export class MemorySupportRequests implements SupportRequestStore {
  readonly #requests = new Map<string, SupportRequest>();
  #ids = 0;
  async open(fields: NewSupportRequest, at: Date): Promise<SupportRequest> {
    const id = (this.#ids += 1).toString(16).padStart(24, '0');
    const request: SupportRequest = {
      ...fields,
      id,
      createdAt: at,
      status: 'open',
      resolvedAt: null,
      resolvedBy: null,
    };
    this.#requests.set(id, request);
    return { ...request };
  }
  async search(criteria: SupportRequestSearch, { limit, after }: SupportRequestPageRequest): Promise<SupportRequest[]> {
    if (after && !/^[0-9a-f]{24}$/i.test(after.id)) return [];
    return [...this.#requests.values()]
      .filter((r) => matches(r, criteria) && (!after || newestFirst(after, positionOf(r)) < 0))
      .sort((a, b) => newestFirst(positionOf(a), positionOf(b)))
      .slice(0, limit)
      .map((r) => ({ ...r }));
  }
  async find(id: string): Promise<SupportRequest | null> {
    const found = this.#requests.get(id);
    return found ? { ...found } : null;
  }
  async resolve(id: string, at: Date, by: string): Promise<void> {
    const found = this.#requests.get(id);
    if (found?.status === 'open')
      this.#requests.set(id, { ...found, status: 'resolved', resolvedAt: at, resolvedBy: by });
  }
}
