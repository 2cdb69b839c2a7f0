import type { PeopleDirectory } from '../accounts/people-directory.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import type { EventPublisher } from '../events/event-publisher.ts';
import type { LinkingContext } from '../linking/linking-context.ts';
import type { SupportRequests } from '../support-requests/support-requests.ts';
import type { AccountPageLimits } from './account-page-limits.ts';
import type { AccountPageSessions } from './me-sessions.ts';
import type { SignInActivity } from './sign-in-activity.ts';

/** A configured upstream, as the page offers and names it. */
export interface PageUpstream {
  id: string;
  name: string;
  issuer: string;
}

/** What the person's own page works with; built once by the composition root. */
export interface AccountPageContext {
  /** People and accounts: every change through it is seen by the next sign-in in every process. */
  directory: PeopleDirectory;
  /** The association flow: adding a sign-in links through it; the person's portal sessions are ended through it. */
  linking: LinkingContext;
  audit: Pick<AuditStore, 'record' | 'search'>;
  events: EventPublisher;
  activity: SignInActivity;
  sessions: AccountPageSessions;
  limits: AccountPageLimits;
  supportRequests: Pick<SupportRequests, 'search'>;
  upstreams: readonly PageUpstream[];
  portalName(clientId: string | null): string | undefined;
  /** The portals with a home page, offered on every page that has no session to show. */
  portals: ReadonlyArray<{ name: string; homeUrl: string }>;
  /** Where the person asks for erasure (mail.support). */
  support: string;
  now(): Date;
}
