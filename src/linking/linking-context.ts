import type { AccountStore } from '../accounts/account-store.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { Outbox } from '../mail/outbox.ts';
import type { AssociationLimits } from './association-limits.ts';
import type { ConfirmationReferences } from './confirmation-references.ts';
import type { IdentityLinks } from './identity-links.ts';
import type { PendingAssociationStore } from './pending-associations.ts';

/** Everything the association flow works with; built once by the composition root. */
export interface LinkingContext {
  accounts: AccountStore;
  pending: PendingAssociationStore;
  links: IdentityLinks;
  outbox: Outbox;
  audit: AuditLog;
  limits: AssociationLimits;
  references: ConfirmationReferences;
  /** `{issuer}/link`: the token is appended as `?token=`, the only URL that ever carries it. */
  linkUrl: string;
  linkTtlMs: number;
  support: string;
  upstreamName: (upstreamId: string) => string;
  /** The portal's display name, shown on every page of its sign-in. */
  clientName: (clientId: string | null) => string | undefined;
  /** Where a person can start again for a portal (its configured home page), if known. */
  homeUrl: (clientId: string | null) => string | undefined;
}
