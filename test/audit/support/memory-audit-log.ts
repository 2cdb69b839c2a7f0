import { idOf } from '../../../src/accounts/people-directory.ts';
import {
  namesOf,
  type AuditEntry,
  type AuditEvent,
  type AuditPageRequest,
  type AuditPosition,
  type AuditSearch,
  type AuditStore,
} from '../../../src/audit/audit-store.ts';

const newestFirst = (a: Pick<AuditEntry, 'at' | 'id'>, b: Pick<AuditEntry, 'at' | 'id'>) =>
  b.at.getTime() - a.at.getTime() || b.id.localeCompare(a.id);

const isAfter = (entry: AuditEntry, position: AuditPosition) => newestFirst(position, entry) < 0;

function matches(entry: AuditEntry, criteria: AuditSearch): boolean {
  if (criteria.accountId !== undefined) {
    const wanted = criteria.accountId === null ? null : idOf(criteria.accountId);
    if (wanted === null || entry.accountId !== wanted) return false;
  }
  if (criteria.types && !criteria.types.includes(entry.type)) return false;
  if (criteria.from && entry.at < criteria.from) return false;
  if (criteria.to && entry.at >= criteria.to) return false;
  if (criteria.actor !== undefined && entry.actor !== criteria.actor) return false;
  if (criteria.person) {
    const { id, signIns } = criteria.person;
    const bySignIn = signIns.some((s) => s.upstreamId === entry.upstreamId && s.subject === entry.subject);
    if (!bySignIn && (id === null || entry.personId !== id)) return false;
  }
  return true;
}

/** The audit trail in memory, held to the same conformance suite as MongoDB (test/audit/conformance/). */
export class MemoryAuditLog implements AuditStore {
  readonly #entries: AuditEntry[] = [];
  readonly #now: () => Date;
  #ids = 0;

  constructor(options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  async record(event: AuditEvent): Promise<void> {
    const id = (this.#ids += 1).toString(16).padStart(24, '0');
    const accountId = event.accountId ? idOf(event.accountId) : null;
    this.#entries.push({ ...event, ...namesOf(event), id, at: this.#now(), accountId });
  }

  async search(criteria: AuditSearch, { limit, after }: AuditPageRequest): Promise<AuditEntry[]> {
    if (after && idOf(after.id) === null) return [];
    return this.#newest((entry) => matches(entry, criteria) && (!after || isAfter(entry, after)), limit);
  }

  async recent(filter: Partial<Pick<AuditEntry, 'type' | 'subject'>> = {}, limit = 50): Promise<AuditEntry[]> {
    const { type, subject } = filter;
    return this.#newest(
      (e) => (type === undefined || e.type === type) && (subject === undefined || e.subject === subject),
      limit,
    );
  }

  #newest(keep: (entry: AuditEntry) => boolean, limit: number): AuditEntry[] {
    return this.#entries
      .filter(keep)
      .sort(newestFirst)
      .slice(0, limit)
      .map((e) => ({ ...e }));
  }
}
