import type { Connection } from 'mongoose';
import type Provider from 'oidc-provider';
import type { PeopleDirectory } from '../accounts/people-directory.ts';
import { flowSupportDesk } from '../support-requests/ask-support.ts';
import type { SupportRequests } from '../support-requests/support-requests.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import type { BrokerConfig } from '../config/index.ts';
import type { PortalDirectory } from '../config/portal-directory.ts';
import { associationHooks } from '../linking/association-hooks.ts';
import { allHooks, associationEvents } from '../linking/association-events.ts';
import type { EventPublisher } from '../events/event-publisher.ts';
import { AssociationLimits } from '../linking/association-limits.ts';
import { ConfirmationReferences } from '../linking/confirmation-references.ts';
import { DisownLinkStore } from '../linking/disown-links.ts';
import type { LinkingContext } from '../linking/linking-context.ts';
import { PendingAssociationStore } from '../linking/pending-associations.ts';
import type { Logger } from '../log/logger.ts';
import type { Outbox } from '../mail/outbox.ts';
import { PersonSessions } from '../provider/person-sessions.ts';
import type { Redis } from '../store/redis.ts';

export interface LinkingParts {
  mongo: Connection;
  redis: Redis;
  provider: Provider;
  directory: PeopleDirectory;
  portals: PortalDirectory;
  audit: AuditStore;
  outbox: Outbox;
  supportRequests: SupportRequests;
  /** Events for the customer system (webhooks). */
  events: EventPublisher;
  logger: Logger;
}

/** The association flow's ports, as the flow and the admin operations built on it see them. */
export async function linkingPart(config: Readonly<BrokerConfig>, parts: LinkingParts): Promise<LinkingContext> {
  const { mongo, redis, provider, directory, portals, audit, outbox, supportRequests, events, logger } = parts;
  const pending = new PendingAssociationStore(mongo);
  const disownLinks = new DisownLinkStore(mongo);
  await Promise.all([pending.ensureIndexes(logger), disownLinks.ensureIndexes(logger)]);
  const upstreamNames = new Map(config.upstreams.map((u) => [u.id, u.name]));
  const upstreamName = (id: string) => upstreamNames.get(id) ?? id;
  const now = () => new Date();
  return {
    contacts: directory,
    pending,
    memberships: directory,
    limits: new AssociationLimits(redis, config.linking.limits),
    references: new ConfirmationReferences(redis),
    hooks: allHooks(
      associationHooks({
        audit,
        mailer: outbox,
        linkUrl: `${config.issuer}/link`,
        linkTtlMs: config.linking.linkTtl,
        disownLinks,
        disownUrl: `${config.issuer}/link/not-me`,
        accountPageUrl: `${config.issuer}/me`,
        support: config.mail.support,
        upstreamName,
        portalName: (clientId) => portals.get(clientId)?.name,
        now,
      }),
      associationEvents({ events, membershipsOf: (personId) => directory.membershipsOf(personId) }),
    ),
    disownLinks,
    sessions: new PersonSessions(provider, redis, logger),
    supportDesk: flowSupportDesk({
      requests: supportRequests,
      audit,
      mailer: outbox,
      support: config.mail.support,
      upstreamName,
      portalName: (clientId) => portals.get(clientId)?.name ?? clientId,
      events,
    }),
    linkTtlMs: config.linking.linkTtl,
    support: config.mail.support,
    upstreamName,
    homeUrl: (clientId) => portals.get(clientId)?.homeUrl,
    clientName: (clientId) => portals.get(clientId)?.name,
    now,
  };
}
