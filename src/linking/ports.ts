import type { Types } from 'mongoose';
import type { Identity, JoinableContact, LinkOutcome, NewMembership } from '../accounts/people-directory.ts';
import type { AuditEvent } from '../audit/audit-log.ts';
import type { OutboxMessage } from '../mail/outbox.ts';
import type { StoredState } from './association-flow.ts';
import type { PendingAssociationRecord } from './pending-association-model.ts';

export type { LinkOutcome, NewMembership };

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
  /** Support's reads, newest first: the associations naming any of these contacts, and those one sign-in asked for. */
  listForContacts(contactIds: readonly Types.ObjectId[], limit: number): Promise<PendingAssociationRecord[]>;
  listForSignIn(signIn: { upstreamId: string; subject: string }, limit: number): Promise<PendingAssociationRecord[]>;
}

export interface MembershipStore {
  link(request: NewMembership, now: Date): Promise<LinkOutcome>;
  /** Removes what a given association's confirmation wrote, if anything. */
  unlinkAssociation(associationId: string): Promise<void>;
}

export interface ContactDirectory {
  /** Active contacts with this address on active accounts, and their members. */
  joinableContacts(address: string): Promise<JoinableContact[]>;
  /** The same, for contacts an association named (re-read when it is confirmed). */
  contactsByIds(ids: readonly string[]): Promise<JoinableContact[]>;
  identitiesOf(personId: string): Promise<Identity[]>;
}

export interface ConfirmationReferenceStore {
  create(pendingId: string): Promise<string>;
  take(reference: string): Promise<string | undefined>;
}

export interface AssociationRateLimits {
  consumeRequest(keys: { identity: string; address: string; ip: string }): Promise<void>;
  consumeConfirmation(tokenHash: string): Promise<void>;
}

/** The notice's "This wasn't me" link: only the SHA-256 of its token is stored, like an association link's. */
export interface DisownLinkRecord {
  /** The token's hash (the record's key). */
  _id: string;
  associationId: Types.ObjectId;
  /** The person the association's confirmation made the sign-in part of: whose sessions end. */
  personId: Types.ObjectId;
  createdAt: Date;
  expiresAt: Date;
}

export interface DisownLinks {
  create(link: Omit<DisownLinkRecord, '_id'>, tokenHash: string): Promise<void>;
  findByToken(token: string): Promise<DisownLinkRecord | null>;
}

/** Ends what a person is signed in with at the broker: its sessions, and the grants (and tokens) of its portals. */
export interface PersonSessions {
  endAll(personId: string): Promise<{ sessions: number; grants: number }>;
}

/** A support request opened by the flow itself, with the sign-in attached; resolves with its id. */
export interface SupportDesk {
  disowned(request: {
    record: PendingAssociationRecord;
    contacts: readonly JoinableContact[];
    ip: string;
    locale: string;
  }): Promise<string>;
}

export interface AuditTrail {
  record(event: AuditEvent): Promise<void>;
}

export interface Mailer {
  enqueue(message: OutboxMessage): Promise<string>;
}
