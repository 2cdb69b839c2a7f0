import type { Identity, JoinableContact, LinkOutcome, NewMembership } from '../accounts/people-directory.ts';
import type { AuditEvent } from '../audit/audit-store.ts';
import type { OutboxMessage } from '../mail/outbox-store.ts';
import type { StoredState } from './association-flow.ts';
import type { PendingAssociation } from './pending-association.ts';

export type { LinkOutcome, NewMembership };

// What the association flow needs from the world, declared beside it: MongoDB, Redis and the outbox implement
// these in production; the flow's unit tests use small in-memory fakes.

export type NewPendingAssociation = Omit<
  PendingAssociation,
  'id' | 'tokenHash' | 'status' | 'confirmedAt' | 'attempts' | 'createdAt'
>;

export interface PendingAssociations {
  create(input: NewPendingAssociation, tokenHash: string, now: Date): Promise<PendingAssociation>;
  findByToken(token: string): Promise<PendingAssociation | null>;
  findById(id: string): Promise<PendingAssociation | null>;
  /** The identity's associations still pending, oldest first. */
  pendingOf(issuer: string, subject: string): Promise<PendingAssociation[]>;
  /** The identity's most recent association, whatever its state. */
  newestOf(issuer: string, subject: string): Promise<PendingAssociation | null>;
  /** Moves the association from `from` to `to` unless something else moved it first; tells whether it did. */
  transition(id: string, from: StoredState, to: StoredState, at: Date): Promise<boolean>;
  countAttempt(id: string): Promise<void>;
  /** Support's reads, newest first: the associations naming any of these contacts, and those one sign-in asked for. */
  listForContacts(contactIds: readonly string[], limit: number): Promise<PendingAssociation[]>;
  listForSignIn(signIn: { upstreamId: string; subject: string }, limit: number): Promise<PendingAssociation[]>;
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
export interface DisownLink {
  readonly associationId: string;
  /** The person the association's confirmation made the sign-in part of: whose sessions end. */
  readonly personId: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

export interface DisownLinks {
  create(link: DisownLink, tokenHash: string): Promise<void>;
  findByToken(token: string): Promise<DisownLink | null>;
}

/** Ends what a person is signed in with at the broker: its sessions, and the grants (and tokens) of its portals. */
export interface PersonSessions {
  /** `portals`: each portal's `sid` in the sessions ended, for front-channel logout in the person's browser. */
  endAll(
    personId: string,
  ): Promise<{ sessions: number; grants: number; portals: Array<{ clientId: string; sid: string }> }>;
}

/** A support request opened by the flow itself, with the sign-in attached; resolves with its id. */
export interface SupportDesk {
  disowned(request: {
    record: PendingAssociation;
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
