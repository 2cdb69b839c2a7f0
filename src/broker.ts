import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Koa from 'koa';
import mount from 'koa-mount';
import type { Connection } from 'mongoose';
import type Provider from 'oidc-provider';
import { cachedAccounts } from './accounts/account-cache.ts';
import { AccountStore } from './accounts/account-store.ts';
import { AuditLog } from './audit/audit-log.ts';
import type { BrokerConfig } from './config/index.ts';
import { createApp, createManagementApp } from './http/app.ts';
import { assetRoutes } from './http/routes/assets.ts';
import { devMailboxRoutes } from './http/routes/dev-mailbox.ts';
import { interactionRoutes } from './http/routes/interaction.ts';
import { confirmationFinisher, linkRoutes } from './http/routes/link.ts';
import { upstreamCallbackRoutes } from './http/routes/upstream-callback.ts';
import { localeFor } from './http/middleware/locale.ts';
import { createViewRenderer } from './http/views.ts';
import { loadTranslator } from './i18n/translator.ts';
import type { Logger } from './log/logger.ts';
import { AssociationLimits } from './linking/association-limits.ts';
import { ConfirmationReferences } from './linking/confirmation-references.ts';
import { associationHooks } from './linking/association-hooks.ts';
import { IdentityLinks } from './linking/identity-links.ts';
import type { LinkingContext } from './linking/linking-context.ts';
import { PendingAssociationStore } from './linking/pending-associations.ts';
import { createDevTransport } from './mail/dev-transport.ts';
import { createMailRenderer } from './mail/mail-renderer.ts';
import { Outbox } from './mail/outbox.ts';
import { OutboxWorker } from './mail/outbox-worker.ts';
import { createSendGridTransport } from './mail/sendgrid-transport.ts';
import type { MailTransport } from './mail/transport.ts';
import { createBrokerMetrics, type BrokerMetrics } from './metrics/broker-metrics.ts';
import { metricsRoutes } from './http/routes/metrics.ts';
import { createProvider } from './provider/create-provider.ts';
import { loadSigningKeys, requiredAlgorithms } from './provider/signing-keys.ts';
import { Federation } from './upstream/federation.ts';
import { PostedCallbacks } from './upstream/posted-callbacks.ts';
import { PortalDirectory } from './config/portal-directory.ts';
import { formsLeadUpstream } from './http/middleware/forms-lead-upstream.ts';
import { InteractionIdentityStore } from './upstream/interaction-identities.ts';
import { connectMongo, pingMongo } from './store/mongo.ts';
import { closeRedis, connectRedis, pingRedis, type Redis } from './store/redis.ts';
import { storeStatuses } from './store/outage.ts';

export const VIEWS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../views');

export interface Broker {
  app: Koa;
  mongo: Connection;
  redis: Redis;
  provider: Provider;
  accounts: AccountStore;
  outbox: Outbox;
  audit: AuditLog;
  metrics: BrokerMetrics;
  /** Sends queued e-mails; started by `listen`, stopped by `close`. */
  mailWorker: OutboxWorker;
  /** Starts listening; resolves with the server once it accepts connections. */
  listen(port?: number, host?: string): Promise<Server>;
  /** /healthz, /readyz and /metrics for operators (`management.port`), off the public listener. */
  managementApp: Koa;
  /** Starts the management listener (`management.port` and `.host` by default). */
  listenManagement(port?: number, host?: string): Promise<Server>;
  /** Stops accepting requests, lets those in flight finish (bounded), then closes the stores. */
  close(): Promise<void>;
}

/** Composition root: connects the stores and wires every part into one koa app. */
export async function createBroker(config: Readonly<BrokerConfig>, logger: Logger): Promise<Broker> {
  const mongo = await connectMongo(config.mongodb.uri, { logger });
  let redis: Redis;
  try {
    redis = await connectRedis(config.redis, { logger, keyPrefix: config.redis.keyPrefix });
  } catch (error) {
    await mongo.close();
    throw error;
  }
  try {
    return await assemble(config, logger, mongo, redis);
  } catch (error) {
    await Promise.allSettled([mongo.close(), redis.quit()]);
    throw error;
  }
}

function mailTransport(config: Readonly<BrokerConfig>): MailTransport {
  if (config.mail.transport === 'dev') return createDevTransport();
  const sendgrid = config.mail.sendgrid;
  // The schema requires mail.sendgrid with transport sendgrid; this guards the type, not the configuration.
  if (!sendgrid) throw new Error('mail.sendgrid: is required when transport is sendgrid');
  return createSendGridTransport(sendgrid);
}

async function assemble(config: Readonly<BrokerConfig>, logger: Logger, mongo: Connection, redis: Redis): Promise<Broker> {
  const translator = loadTranslator(join(VIEWS_DIR, 'locales'));
  const views = createViewRenderer(VIEWS_DIR, translator);
  const accounts = new AccountStore(mongo);
  await accounts.ensureIndexes(logger);
  const keys = await loadSigningKeys(config.keys.file, { required: requiredAlgorithms(config), generateIfMissing: config.keys.generateIfMissing });
  const provider = createProvider({
    config,
    redis,
    accounts: cachedAccounts(accounts, { ttlMs: config.accountCacheTtl }),
    logger,
    keys, renderPage: (ctx, page, data) =>
      views.render(page, { ...data, locale: localeFor(ctx, translator, ctx.oidc.params?.ui_locales) }),
  });
  const metrics = createBrokerMetrics();
  const portals = new PortalDirectory(config.clients);
  const federation = new Federation(config.upstreams, {
    brokerIssuer: config.issuer,
    redis,
    logger,
    failures: metrics.upstreamFailures,
  });
  const leadUpstream = formsLeadUpstream({ loopbackHttp: config.upstreams.some((u) => u.issuer.startsWith('http:')) });
  const identities = new InteractionIdentityStore(redis);
  const audit = new AuditLog(mongo, logger);
  // Links in queued e-mails are sealed under keys derived from the cookie keys, which never enter the database.
  const outbox = new Outbox(mongo, { sealingKeys: config.cookieKeys });
  const devTransport = config.mail.transport === 'dev' ? createDevTransport() : undefined;
  const pending = new PendingAssociationStore(mongo);
  await Promise.all([audit.ensureIndexes(), outbox.ensureIndexes(logger), pending.ensureIndexes(logger)]);
  const mailRenderer = createMailRenderer(VIEWS_DIR, translator);
  const mailWorker = new OutboxWorker({
    outbox,
    transport: devTransport ?? mailTransport(config),
    renderer: mailRenderer,
    audit,
    logger,
    from: config.mail.from,
    maxAttempts: config.mail.retry.maxAttempts,
    initialDelayMs: config.mail.retry.initialDelay,
    pollIntervalMs: config.mail.pollInterval,
    mailAttempts: metrics.mailAttempts,
  });
  const upstreamNames = new Map(config.upstreams.map((u) => [u.id, u.name]));
  const upstreamName = (id: string) => upstreamNames.get(id) ?? id;
  const linking: LinkingContext = {
    accounts,
    pending,
    links: new IdentityLinks(mongo),
    limits: new AssociationLimits(redis, config.linking.limits),
    references: new ConfirmationReferences(redis),
    hooks: associationHooks({
      audit,
      mailer: outbox,
      linkUrl: `${config.issuer}/link`,
      linkTtlMs: config.linking.linkTtl,
      support: config.mail.support,
      upstreamName,
    }),
    linkTtlMs: config.linking.linkTtl,
    support: config.mail.support,
    upstreamName,
    homeUrl: (clientId) => portals.get(clientId)?.homeUrl,
    clientName: (clientId) => portals.get(clientId)?.name,
    now: () => new Date(),
  };
  // oidc-provider answers its own failures with server_error and keeps the cause to itself: log it with the request.
  provider.on('server_error', (ctx: Koa.Context, error: Error) => {
    (ctx.state.log ?? logger).error({ err: error, path: ctx.path }, 'oidc-provider server_error');
  });
  const readiness = [
    { name: 'mongodb', check: () => pingMongo(mongo) },
    { name: 'redis', check: () => pingRedis(redis) },
  ];
  const app = createApp({
    issuer: config.issuer,
    proxyTrust: config.proxyTrust,
    stores: storeStatuses(mongo, redis),
    cookieKeys: config.cookieKeys,
    logger,
    views,
    metrics,
    readiness,
    // Upstreams are not listed: the pages that lead there widen form-action themselves (forms-lead-upstream.ts).
    // Redirect URIs (form_post, consent) and post-logout URIs: the logout form's answer redirects there.
    formTargets: config.clients.flatMap((c) => [...c.redirectUris, ...c.postLogoutRedirectUris]),
    routers: [
      assetRoutes(VIEWS_DIR),
      interactionRoutes({
        provider,
        federation,
        identities,
        portals,
        leadUpstream,
        accounts,
        clients: config.clients,
        views,
        support: config.mail.support,
        linking,
        metrics,
      }),
      linkRoutes(linking, federation, views, leadUpstream),
      upstreamCallbackRoutes({
        federation,
        identities,
        postedCallbacks: new PostedCallbacks(redis),
        portals,
        onConfirmation: confirmationFinisher(linking, views, metrics),
      }),
      // Development only: the transport `dev` keeps e-mails here instead of sending them.
      ...(devTransport ? [devMailboxRoutes(outbox, devTransport.mailbox, views)] : []),
      // On the public listener only for a scraper with the configured token; otherwise on the management port.
      ...(config.metrics.enabled && config.metrics.bearerToken ? [metricsRoutes(metrics, config.metrics.bearerToken)] : []),
    ],
    // oidc-provider last: the broker's own routes take precedence; it answers discovery, /auth, /token, ...
    mounts: [mount(provider)],
  });

  const managementApp = createManagementApp({
    logger,
    readiness,
    routers: config.metrics.enabled ? [metricsRoutes(metrics, undefined)] : [],
  });

  let server: Server | undefined;
  let managementServer: Server | undefined;
  return {
    app,
    mongo,
    redis,
    provider,
    accounts,
    outbox,
    audit,
    metrics,
    mailWorker,
    listen(port = config.port, host) {
      const created = createServer(app.callback());
      server = created;
      mailWorker.start();
      return new Promise((resolve, reject) => {
        created.once('error', reject);
        created.listen(port, host, () => resolve(created));
      });
    },
    managementApp,
    listenManagement(port = config.management.port ?? 0, host = config.management.host) {
      const created = createServer(managementApp.callback());
      managementServer = created;
      return new Promise((resolve, reject) => {
        created.once('error', reject);
        created.listen(port, host, () => resolve(created));
      });
    },
    async close() {
      managementServer?.close();
      managementServer?.closeAllConnections();
      await mailWorker.stop();
      if (server) {
        const closing = new Promise<void>((resolve) => server?.close(() => resolve()));
        server.closeIdleConnections();
        const grace = setTimeout(() => server?.closeAllConnections(), 10_000);
        await closing;
        clearTimeout(grace);
      }
      await Promise.allSettled([mongo.close(), closeRedis(redis)]);
    },
  };
}
