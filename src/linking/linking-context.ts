import type { AssociationHooks } from './association-hooks.ts';
import type {
  AssociationRateLimits,
  ConfirmationReferenceStore,
  ContactDirectory,
  DisownLinks,
  MembershipStore,
  PendingAssociations,
  PersonSessions,
  SupportDesk,
} from './ports.ts';

/** Everything the association flow works with, as the ports it declares; built once by the composition root. */
export interface LinkingContext {
  contacts: ContactDirectory;
  pending: PendingAssociations;
  memberships: MembershipStore;
  limits: AssociationRateLimits;
  references: ConfirmationReferenceStore;
  hooks: AssociationHooks;
  /** "This wasn't me" links of the notices after a confirmation. */
  disownLinks: DisownLinks;
  sessions: PersonSessions;
  supportDesk: SupportDesk;
  linkTtlMs: number;
  support: string;
  upstreamName(upstreamId: string): string;
  /** The portal's display name, shown on every page of its sign-in. */
  clientName(clientId: string | null): string | undefined;
  /** Where a person can start again for a portal (its home page), if known. */
  homeUrl(clientId: string | null): string | undefined;
  now(): Date;
}
