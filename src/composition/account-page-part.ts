import type { Middleware } from 'koa';
import type { PeopleDirectory } from '../accounts/people-directory.ts';
import type { AdminContext } from '../admin/admin-context.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import type { BrokerConfig } from '../config/index.ts';
import type { PortalDirectory } from '../config/portal-directory.ts';
import type { LinkingContext } from '../linking/linking-context.ts';
import type { Logger } from '../log/logger.ts';
import { AccountPageLimits } from '../me/account-page-limits.ts';
import { accountPageRoutes } from '../me/account-page-routes.ts';
import { AccountPageSessions } from '../me/me-sessions.ts';
import { SignInActivity } from '../me/sign-in-activity.ts';
import { frontchannelLogoutUris } from '../provider/logout/frontchannel-logout.ts';
import type { Redis } from '../store/redis.ts';
import type { Federation } from '../upstream/federation.ts';
import type { ViewRenderer } from '../web/views.ts';

export interface AccountPageParts {
  redis: Redis;
  directory: PeopleDirectory;
  linking: LinkingContext;
  audit: AuditStore;
  adminContext: Pick<AdminContext, 'events' | 'supportRequests'>;
  federation: Federation;
  portals: PortalDirectory;
  views: ViewRenderer;
  leadUpstream: Middleware;
  logger: Logger;
}

/**
 * The person's own page (/me): its context over the same directory, linking flow, audit and events as everything
 * else, its routes, the callback for sign-ins it starts, and the sign-in activity the portals' sign-ins write to.
 */
export function accountPagePart(config: Readonly<BrokerConfig>, parts: AccountPageParts) {
  const { redis, portals } = parts;
  const activity = new SignInActivity(redis, parts.logger);
  const { router, onCallback } = accountPageRoutes({
    context: {
      directory: parts.directory,
      linking: parts.linking,
      audit: parts.audit,
      events: parts.adminContext.events,
      activity,
      sessions: new AccountPageSessions(redis),
      limits: new AccountPageLimits(redis),
      supportRequests: parts.adminContext.supportRequests,
      upstreams: config.upstreams.map(({ id, name, issuer }) => ({ id, name, issuer })),
      portalName: (clientId) => portals.get(clientId)?.name,
      portals: portals.list().flatMap(({ name, homeUrl }) => (homeUrl ? [{ name, homeUrl }] : [])),
      support: config.mail.support,
      now: () => new Date(),
    },
    federation: parts.federation,
    views: parts.views,
    leadUpstream: parts.leadUpstream,
    frontchannelLogoutUris: frontchannelLogoutUris(config.clients),
    issuer: config.issuer,
  });
  return { router, onCallback, activity };
}
