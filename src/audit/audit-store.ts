import { isObjectIdText } from '../store/object-ids.ts';
import type { AuditEventType } from './audit-event-types.ts';

// The audit trail as everyone but its MongoDB implementation sees it: plain values with string ids. audit-log.ts
// implements it on MongoDB; the tests hold an in-memory one to the same conformance suite (test/audit/conformance/).

export type { AuditEventType };

/** What happened, to whom, from where: never a token or a full unknown address (mask-email.ts). */
export interface AuditEvent {
  type: AuditEventType;
  /**
   * Who did it: an admin client's id, `staff:<subject or address>` for the support console, the person's id for
   * their own action; null (or absent) for the broker itself. Absent, a string `detail.actor` (how admin changes
   * named their actor before this field) is taken.
   */
  actor?: string | null;
  upstreamId?: string;
  subject?: string;
  /** An id that is no account's id is kept as none. */
  accountId?: string | null;
  /** The person it concerns. Absent, a `detail.personId` is taken; an id that is no id is kept as none. */
  personId?: string | null;
  ip?: string;
  /** Machine-readable reason or outcome (`identity-mismatch`, `expired`). */
  reason?: string;
  /** Extra non-secret facts (client id, outbox message id, masked address). */
  detail?: Record<string, string | number | boolean | null>;
}

/**
 * A stored audit event as support reads it: string ids, and everyone it names as fields of their own. Entries
 * stored before `actor` and `personId` were fields read them from `detail.actor` and `detail.personId`.
 */
export interface AuditEntry extends Omit<AuditEvent, 'accountId' | 'actor' | 'personId'> {
  readonly id: string;
  readonly at: Date;
  readonly actor: string | null;
  readonly accountId: string | null;
  readonly personId: string | null;
}

/** Support's criteria; every one given must hold. */
export interface AuditSearch {
  /** null: an id that was no id, which matches nothing (as does any text that is no id). */
  accountId?: string | null;
  /**
   * The events of any of the person's sign-ins, and those that name the person (`personId`, or `detail.personId`
   * in entries stored before that field).
   */
  person?: { id: string | null; signIns: ReadonlyArray<{ upstreamId: string; subject: string }> };
  /** Events by this actor (`actor`, or `detail.actor` in entries stored before that field). */
  actor?: string;
  /** Events of any of these types; an empty list matches nothing. */
  types?: readonly AuditEventType[];
  /** From this instant on (included). */
  from?: Date;
  /** Before this instant (excluded): consecutive windows neither overlap nor leave a gap. */
  to?: Date;
}

/** The last entry of a page: the next page holds the entries after it in the trail's order. */
export interface AuditPosition {
  readonly at: Date;
  readonly id: string;
}

export interface AuditPageRequest {
  limit: number;
  /** Only entries after this one (an id that is no id matches nothing). */
  after?: AuditPosition;
}

export interface AuditStore {
  /** Stores the event at the store's present time. Never fails the caller: the action itself already happened. */
  record(event: AuditEvent): Promise<void>;
  /**
   * Newest first, the same instant by id, descending (in one process: the later recorded first), at most `limit`,
   * after `after`: a total order, so paging by the last entry of each page neither repeats nor skips one.
   */
  search(criteria: AuditSearch, page: AuditPageRequest): Promise<AuditEntry[]>;
  /** Newest first, as `search`; for tests, the admin and investigations. */
  recent(filter?: Partial<Pick<AuditEntry, 'type' | 'subject'>>, limit?: number): Promise<AuditEntry[]>;
}

const personIdOf = (value: unknown): string | null => (isObjectIdText(value) ? value.toLowerCase() : null);

/**
 * Who an event names, as its entry shows them: the fields when given, else what `detail` held (where admin changes
 * named their actor and person before these were fields). Both implementations store and read through this.
 */
export function namesOf(event: Pick<AuditEvent, 'actor' | 'personId' | 'detail'>): {
  actor: string | null;
  personId: string | null;
} {
  const actor = event.actor ?? event.detail?.actor;
  return {
    actor: typeof actor === 'string' ? actor : null,
    personId: personIdOf(event.personId ?? event.detail?.personId),
  };
}
