import type { AssociationStatus, PendingAssociation } from './pending-association.ts';
import {
  LinkCancelled,
  LinkExpired,
  LinkNotFound,
  LinkSuperseded,
  LinkUsed,
  type LinkPortal,
} from './linking-errors.ts';

/**
 * The first-login association as a persisted flow (in the manner of Ory Kratos's self-service flows): a pending
 * association moves pending → confirmed | cancelled | superseded, once, and never back; a confirmed one becomes
 * disowned when the owner of the registered address says it wasn't them (disown-association.ts). `expired` is not stored: it
 * is what a pending association is past its `expiresAt`, checked on every load rather than left to a sweeper.
 */
export type StoredState = AssociationStatus;
export type AssociationState = StoredState | 'expired';

const ALLOWED: Readonly<Record<StoredState, readonly StoredState[]>> = Object.freeze({
  pending: ['confirmed', 'cancelled', 'superseded'],
  confirmed: ['disowned'],
  cancelled: [],
  superseded: [],
  disowned: [],
});

export function canTransition(from: StoredState, to: StoredState): boolean {
  return ALLOWED[from].includes(to);
}

export function stateOf(record: Pick<PendingAssociation, 'status' | 'expiresAt'>, now: Date): AssociationState {
  if (record.status === 'pending' && record.expiresAt <= now) return 'expired';
  return record.status;
}

/**
 * Throws the page-specific problem of an association whose link cannot be used (any more). `portal` is the one
 * that asked for the link: the page names it and leads back to it.
 */
export function assertConfirmable(
  record: Pick<PendingAssociation, 'status' | 'expiresAt' | 'contactIds'>,
  now: Date,
  portal?: LinkPortal,
): void {
  switch (stateOf(record, now)) {
    case 'confirmed':
      throw new LinkUsed(portal);
    case 'expired':
      throw new LinkExpired(portal);
    case 'cancelled':
    case 'disowned':
      throw new LinkCancelled(portal);
    case 'superseded':
      throw new LinkSuperseded(portal);
    case 'pending':
      // No account behind the entered address: no e-mail was sent, so nobody should hold this link.
      if (record.contactIds.length === 0) throw new LinkNotFound();
  }
}

/** Why a link was refused, for the audit trail: the state that refused it, or what else went wrong. */
export function refusalReason(error: unknown): string {
  if (error instanceof LinkUsed) return 'used';
  if (error instanceof LinkExpired) return 'expired';
  if (error instanceof LinkCancelled) return 'cancelled';
  if (error instanceof LinkSuperseded) return 'superseded';
  return 'unknown';
}
