/** The states an association is stored in; `expired` is derived (association-flow.ts). */
export const ASSOCIATION_STATUSES = ['pending', 'confirmed', 'cancelled', 'superseded', 'disowned'] as const;

export type AssociationStatus = (typeof ASSOCIATION_STATUSES)[number];

/**
 * One request to associate an upstream sign-in with the customer account registered under an entered address, as
 * the association flow sees it: a plain value with string ids (the MongoDB record stays in pending-associations.ts).
 */
export interface PendingAssociation {
  readonly id: string;
  readonly issuer: string;
  readonly subject: string;
  readonly upstreamId: string;
  /** How the sign-in called itself upstream (its masked e-mail or bounded name), shown in the e-mail. */
  readonly signInName: string;
  /** Normalised; kept for support investigations, never logged or audited in full. */
  readonly enteredEmail: string;
  /** The contacts the entered address is registered as; empty when it matched none (nothing was sent). */
  readonly contactIds: readonly string[];
  /** The SHA-256 of the link token: the token itself exists only in the e-mail as delivered. */
  readonly tokenHash: string;
  readonly status: AssociationStatus;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly confirmedAt: Date | null;
  readonly clientId: string | null;
  /** The oidc-provider interaction that was interrupted, to resume it after confirmation in the same browser. */
  readonly interactionUid: string | null;
  readonly attempts: number;
}
