import type { AuditEventType } from './audit-event-types.ts';

// The audit trail as everyone but its MongoDB implementation sees it: plain values with string ids. audit-log.ts
// implements it on MongoDB; the tests hold an in-memory one to the same conformance suite (test/audit/conformance/).

export type { AuditEventType };

/** What happened, to whom, from where: never a token or a full unknown address (mask-email.ts). */
export interface AuditEvent {
  type: AuditEventType;
  upstreamId?: string;
  subject?: string;
  /** An id that is no account's id is kept as none. */
  accountId?: string | null;
  ip?: string;
  /** Machine-readable reason or outcome (`identity-mismatch`, `expired`). */
  reason?: string;
  /** Extra non-secret facts (client id, outbox message id, masked address). */
  detail?: Record<string, string | number | boolean | null>;
}

/** A stored audit event as support reads it: string ids. */
export interface AuditEntry extends Omit<AuditEvent, 'accountId'> {
  readonly id: string;
  readonly at: Date;
  readonly accountId: string | null;
}

/** Support's criteria; every one given must hold. */
export interface AuditSearch {
  /** null: an id that was no id, which matches nothing (as does any text that is no id). */
  accountId?: string | null;
  /** The events of any of the person's sign-ins, and those whose detail names the person (`detail.personId`). */
  person?: { id: string | null; signIns: ReadonlyArray<{ upstreamId: string; subject: string }> };
  type?: AuditEventType;
  /** From this instant on (included). */
  since?: Date;
  /** Before this instant (excluded). */
  until?: Date;
}

export interface AuditStore {
  /** Stores the event at the store's present time. Never fails the caller: the action itself already happened. */
  record(event: AuditEvent): Promise<void>;
  /** Newest first (the same instant: the later recorded first), at most `limit`. */
  search(criteria: AuditSearch, limit: number): Promise<AuditEntry[]>;
  /** Newest first, as `search`; for tests, the admin and investigations. */
  recent(filter?: Partial<Pick<AuditEntry, 'type' | 'subject'>>, limit?: number): Promise<AuditEntry[]>;
}
