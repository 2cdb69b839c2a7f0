import type { Types } from 'mongoose';
import type { AccountRecord } from '../accounts/account-model.ts';
import type { AuditEvent } from '../audit/audit-log.ts';
import type { OutboxMessage } from '../mail/outbox.ts';
import type { StoredState } from './association-flow.ts';
import type { PendingAssociationRecord } from './pending-association-model.ts';

// What the association flow needs from the world, declared beside it: MongoDB, Redis and the outbox implement
// these in production; the flow's unit tests use small in-memory fakes.

export type NewPendingAssociation = Omit<
  PendingAssociationRecord,
  '_id' | 'tokenHash' | 'status' | 'confirmedAt' | 'attempts' | 'createdAt'
>;

export interface PendingAssociations {
  create(input: NewPendingAssociation, tokenHash: string, now: Date): Promise<PendingAssociationRecord>;
  findByToken(token: string): Promise<PendingAssociationRecord | null>;
  findById(id: string): Promise<PendingAssociationRecord | null>;
  /** The identity's associations still pending, oldest first. */
  pendingOf(issuer: string, subject: string): Promise<PendingAssociationRecord[]>;
  /** The identity's most recent association, whatever its state. */
  newestOf(issuer: string, subject: string): Promise<PendingAssociationRecord | null>;
  /** Moves the association from `from` to `to` unless something else moved it first; tells whether it did. */
  transition(id: Types.ObjectId, from: StoredState, to: StoredState, at: Date): Promise<boolean>;
  countAttempt(id: Types.ObjectId): Promise<void>;
}

export interface NewLink {
  accountId: Types.ObjectId;
  upstreamId: string;
  issuer: string;
  subject: string;
  /** The association whose confirmation wrote the link (undone if that association ends otherwise). */
  associationId: Types.ObjectId;
  /** When the confirming sign-in authenticated upstream (it was required to be fresh). */
  authenticatedAt?: Date;
}

export type LinkOutcome =
  | { kind: 'linked' }
  /** The same link already exists: a repeated or parallel confirmation, or a retry after a crash. */
  | { kind: 'already-linked' }
  /** This upstream identity is linked to another account. */
  | { kind: 'identity-taken' }
  /** The account already has another identity of this upstream. */
  | { kind: 'account-taken' };

export interface IdentityLinkStore {
  link(link: NewLink, now: Date): Promise<LinkOutcome>;
  /** Removes the link a given association's confirmation wrote, if any. */
  unlinkAssociation(associationId: Types.ObjectId): Promise<void>;
}

export interface AccountLookup {
  findAccountByEmail(email: string): Promise<AccountRecord | null>;
  findAccountById(id: string): Promise<AccountRecord | null>;
}

export interface ConfirmationReferenceStore {
  create(pendingId: string): Promise<string>;
  take(reference: string): Promise<string | undefined>;
}

export interface AssociationRateLimits {
  consumeRequest(keys: { identity: string; address: string; ip: string }): Promise<void>;
  consumeConfirmation(tokenHash: string): Promise<void>;
}

export interface AuditTrail {
  record(event: AuditEvent): Promise<void>;
}

export interface Mailer {
  enqueue(message: OutboxMessage): Promise<string>;
}
