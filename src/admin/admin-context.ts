import type { EventPublisher } from '../events/event-publisher.ts';
import type { WebhookDeliveriesAdmin } from '../events/delivery-admin.ts';
import type { PeopleDirectory } from '../accounts/people-directory.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import type { Mailer } from '../linking/ports.ts';
import type { OutboxStore } from '../mail/outbox-store.ts';
import type { SupportRequests } from '../support-requests/support-requests.ts';
import type { LinkingContext } from '../linking/linking-context.ts';

/** What the admin operations work with; built once by the composition root. */
export interface AdminContext {
  /** Requests people sent from the "Ask support" pages. */
  supportRequests: SupportRequests;
  /** The association flow's own ports: resend, cancel and link-on-behalf go through its rules. */
  linking: LinkingContext;
  /** Records what staff do, and answers support's searches. */
  audit: Pick<AuditStore, 'record' | 'search'>;
  mailer: Mailer;
  /** Failed e-mails, and retrying one. */
  outbox: Pick<OutboxStore, 'failures' | 'find' | 'retry'>;
  /** People and accounts: every change through it is seen by the next sign-in in every process. */
  directory: PeopleDirectory;
  /** Events for the customer system: every change staff make is published, as the flows' own are. */
  events: EventPublisher;
  /** Webhook deliveries: the failed ones, and replaying one. */
  deliveries: WebhookDeliveriesAdmin;
  /** The configured upstreams, to turn an `upstreamId` given by staff into the issuer identities are stored with. */
  upstreamIssuer(upstreamId: string): string | undefined;
  now(): Date;
}
