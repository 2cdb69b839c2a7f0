import type Router from '@koa/router';
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { PeopleDirectory } from '../accounts/people-directory.ts';
import type { AdminContext } from '../admin/admin-context.ts';
import { clientCredentialsTokens } from '../admin/api/access-tokens.ts';
import { adminApiRoutes } from '../admin/api/admin-api-routes.ts';
import { supportConsole } from '../admin/console/support-console.ts';
import { askSupport } from '../support-requests/ask-support.ts';
import { supportRequestRoutes } from '../http/routes/ask-support-routes.ts';
import type { AuditStore } from '../audit/audit-store.ts';
import type { BrokerConfig } from '../config/index.ts';
import type { PortalDirectory } from '../config/portal-directory.ts';
import { assetRoutes } from '../http/routes/assets.ts';
import { devMailboxRoutes } from '../http/routes/dev-mailbox.ts';
import { interactionRoutes } from '../http/routes/interaction.ts';
import { confirmationFinisher, linkRoutes } from '../http/routes/link.ts';
import { linkedSignInFinisher } from '../http/routes/linked-sign-in.ts';
import { metricsRoutes } from '../http/routes/metrics.ts';
import { upstreamCallbackRoutes } from '../http/routes/upstream-callback.ts';
import type { ViewRenderer } from '../web/views.ts';
import type { Translator } from '../i18n/translator.ts';
import type { LinkingContext } from '../linking/linking-context.ts';
import type { Logger } from '../log/logger.ts';
import type { BrokerMetrics } from '../metrics/broker-metrics.ts';
import type { Redis } from '../store/redis.ts';
import type { Federation } from '../upstream/federation.ts';
import type { InteractionIdentityStore } from '../upstream/interaction-identities.ts';
import { PostedCallbacks } from '../upstream/posted-callbacks.ts';
import { batchRequestWrites } from '../store/request-writes.ts';
import { accountPagePart } from './account-page-part.ts';
import type { MailPart } from './mail-part.ts';

export interface PublicRouteParts {
  viewsDir: string;
  provider: Provider;
  federation: Federation;
  identities: InteractionIdentityStore;
  portals: PortalDirectory;
  leadUpstream: Middleware;
  directory: PeopleDirectory;
  views: ViewRenderer;
  adminTranslator: Translator;
  brand: Record<string, unknown>;
  linking: LinkingContext;
  adminContext: AdminContext;
  audit: AuditStore;
  mail: MailPart;
  redis: Redis;
  metrics: BrokerMetrics;
  exposition: () => Promise<string>;
  logger: Logger;
}

/** The broker's own routes on the public listener, in the order they are tried (oidc-provider comes after them). */
export function publicRouters(config: Readonly<BrokerConfig>, parts: PublicRouteParts): Router[] {
  const { provider, federation, identities, portals, views, linking, adminContext, mail, redis, metrics } = parts;
  const support = config.mail.support;
  const accountPage = accountPagePart(config, {
    redis,
    directory: parts.directory,
    linking,
    audit: parts.audit,
    adminContext,
    federation,
    portals,
    views,
    leadUpstream: parts.leadUpstream,
    logger: parts.logger,
  });
  return [
    assetRoutes(parts.viewsDir, config.branding?.primaryColor),
    interactionRoutes({
      provider,
      federation,
      identities,
      portals,
      leadUpstream: parts.leadUpstream,
      directory: parts.directory,
      views,
      support,
      linking,
      metrics,
      signIns: accountPage.activity,
    }),
    linkRoutes(linking, federation, views, parts.leadUpstream),
    adminApiRoutes({
      context: adminContext,
      tokens: clientCredentialsTokens(provider),
      clients: config.admin.clients,
      issuer: config.issuer,
    }),
    supportRequestRoutes({
      provider,
      identities,
      portals,
      views,
      submit: askSupport({
        requests: adminContext.supportRequests,
        redis,
        audit: parts.audit,
        mailer: mail.outbox,
        support,
        upstreamName: linking.upstreamName,
        portalName: (clientId) => portals.get(clientId)?.name ?? clientId,
        events: adminContext.events,
        limits: config.linking.limits,
      }),
    }),
    upstreamCallbackRoutes({
      federation,
      identities,
      postedCallbacks: new PostedCallbacks(redis),
      portals,
      onConfirmation: confirmationFinisher(linking, views, portals, metrics),
      onSignIn: linkedSignInFinisher({
        provider,
        directory: parts.directory,
        portals,
        metrics,
        signIns: accountPage.activity,
      }),
      onAccountPage: accountPage.onCallback,
      // The interaction saved at a sign-in and the sign-in's activity entry go to Redis together.
      batchWrites: batchRequestWrites(redis),
    }),
    accountPage.router,
    // Development only: the transport `dev` keeps e-mails here instead of sending them.
    ...(mail.devTransport ? [devMailboxRoutes(mail.outbox, mail.devTransport.mailbox, views)] : []),
    // On the public listener only for a scraper with the configured token; otherwise on the management port.
    ...(config.metrics.enabled && config.metrics.bearerToken
      ? [metricsRoutes(metrics, config.metrics.bearerToken, parts.exposition)]
      : []),
    ...(config.admin.console
      ? [
          supportConsole(config, config.admin.console, {
            context: adminContext,
            redis,
            logger: parts.logger,
            metrics,
            translator: parts.adminTranslator,
            brand: parts.brand,
            viewsDir: parts.viewsDir,
          }),
        ]
      : []),
  ];
}
