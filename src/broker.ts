import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Koa from 'koa';
import mount from 'koa-mount';
import type { Connection } from 'mongoose';
import type Provider from 'oidc-provider';
import { directoryChangesOver, type DirectoryChanges } from './accounts/directory-changes.ts';
import { PeopleDirectory } from './accounts/people-directory.ts';
import { PeopleStore } from './accounts/people-store.ts';
import { describeMigration, migrateToOrganisations, migratedNothing } from './accounts/organisation-migration.ts';
import { clientCredentialsTokens } from './admin/api/access-tokens.ts';
import { adminApiRoutes } from './admin/api/admin-api-routes.ts';
import type { AdminContext } from './admin/admin-context.ts';
import { supportConsole } from './admin/console/support-console.ts';
import { askSupport, flowSupportDesk } from './admin/support-requests/ask-support.ts';
import { supportRequestRoutes } from './admin/support-requests/support-request-routes.ts';
import { AuditLog } from './audit/audit-log.ts';
import type { BrokerConfig } from './config/index.ts';
import { createApp, createManagementApp } from './http/app.ts';
import { assetRoutes } from './http/routes/assets.ts';
import { devMailboxRoutes } from './http/routes/dev-mailbox.ts';
import { interactionRoutes } from './http/routes/interaction.ts';
import { confirmationFinisher, linkRoutes } from './http/routes/link.ts';
import { upstreamCallbackRoutes } from './http/routes/upstream-callback.ts';
import { straightUpstream } from './http/routes/straight-upstream.ts';
import { linkedSignInFinisher } from './http/routes/linked-sign-in.ts';
import { localeFor } from './http/middleware/locale.ts';
import { createViewRenderer } from './http/views.ts';
import { loadTranslator } from './i18n/translator.ts';
import type { Logger } from './log/logger.ts';
import { AssociationLimits } from './linking/association-limits.ts';
import { ConfirmationReferences } from './linking/confirmation-references.ts';
import { associationHooks } from './linking/association-hooks.ts';
import { DisownLinkStore } from './linking/disown-links.ts';
import type { LinkingContext } from './linking/linking-context.ts';
import { PendingAssociationStore } from './linking/pending-associations.ts';
import { createDevTransport } from './mail/dev-transport.ts';
import { createMailRenderer } from './mail/mail-renderer.ts';
import { Outbox } from './mail/outbox.ts';
import { OutboxWorker } from './mail/outbox-worker.ts';
import { createSendGridTransport } from './mail/sendgrid-transport.ts';
import type { MailTransport } from './mail/transport.ts';
import { createBrokerMetrics } from './metrics/broker-metrics.ts';
import { metricsOfAllWorkers } from './metrics/worker-metrics.ts';
import { countStoreRequests } from './store/request-counters.ts';
import { metricsRoutes } from './http/routes/metrics.ts';
import { createProvider } from './provider/create-provider.ts';
import { PersonSessions } from './provider/person-sessions.ts';
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

export interface StartOptions {
  /** The public listener (`port` of the configuration by default, all interfaces). */
  port?: number;
  host?: string;
  /** The management listener (`management.port`/`.host` by default; not started when the configuration has none). */
  management?: { port?: number; host?: string } | false;
}

export interface StartedBroker {
  server: Server;
  management: Server | undefined;
}

/** What a broker is to whoever runs it: two applications, and a lifecycle. Its parts stay inside. */
export interface Broker {
  /** Portals, people and upstream providers talk to this application. */
  readonly app: Koa;
  /** /healthz, /readyz and /metrics for operators (`management.port`), off the public listener. */
  readonly managementApp: Koa;
  /** Starts the listeners and the background workers; resolves once the listeners accept connections. */
  start(options?: StartOptions): Promise<StartedBroker>;
  /** Starts only the background workers (the outbox), for a broker served through `app.callback()` elsewhere. */
  startWorkers(): void;
  /**
   * Delivers what the outbox holds now (as of `now`): a flush for commands and tests that cannot wait for the poll.
   * Resolves with the number of messages sent.
   */
  deliverMail(now?: Date): Promise<number>;
  /** Stops accepting requests, lets those in flight finish (bounded), stops the workers, then closes the stores. */
  stop(): Promise<void>;
}

/** The broker's stores and provider, handed to a measurement tool (the benchmark counts store round trips). */
export interface BrokerParts {
  redis: Redis;
  mongo: Connection;
  provider: Provider;
}

export interface BrokerOptions {
  /** Called once the parts exist, before anything is served: an explicit seam for instrumentation. */
  instrument?(parts: BrokerParts): void;
  /** Count Redis commands and round trips and MongoDB operations in the metrics (store/request-counters.ts). */
  countStoreRequests?: boolean;
  /** A worker of `workers: N`: /metrics shows the sum over every worker, asked of the primary (worker-metrics.ts). */
  metricsOfAllWorkers?: boolean;
}

/** Composition root: connects the stores and wires every part into one koa app. */
export async function createBroker(config: Readonly<BrokerConfig>, logger: Logger, options: BrokerOptions = {}): Promise<Broker> {
  const mongo = await connectMongo(config.mongodb.uri, { logger });
  let redis: Redis;
  try {
    redis = await connectRedis(config.redis, { logger, keyPrefix: config.redis.keyPrefix });
  } catch (error) {
    await mongo.close();
    throw error;
  }
  // Unlinks and removals made in any process reach every process's cache at once (accounts/directory-changes.ts).
  const changes = await directoryChangesOver(redis, { logger, keyPrefix: config.redis.keyPrefix });
  try {
    // People of the first model (one account, its identities) become people with memberships, keeping their sub.
    const migration = await migrateToOrganisations(mongo, logger);
    if (!migratedNothing(migration)) logger.info({ migration: describeMigration(migration) }, 'migrated accounts to organisations');
    return await assemble(config, logger, { mongo, redis, changes }, options);
  } catch (error) {
    await Promise.allSettled([mongo.close(), redis.quit(), changes.close()]);
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

async function assemble(
  config: Readonly<BrokerConfig>,
  logger: Logger,
  { mongo, redis, changes }: { mongo: Connection; redis: Redis; changes: DirectoryChanges },
  options: BrokerOptions,
): Promise<Broker> {
  const translator = loadTranslator(join(VIEWS_DIR, 'locales'));
  // The company's branding goes to every page and e-mail, without touching a template.
  const brand = config.branding ? { branding: config.branding } : {};
  const views = createViewRenderer(VIEWS_DIR, translator, brand);
  const people = new PeopleStore(mongo);
  await people.ensureIndexes(logger);
  // The one way to people and accounts: it owns their cache, and every write it makes is seen at once everywhere.
  const directory = new PeopleDirectory(people, { ttlMs: config.accountCacheTtl, changes });
  const keys = await loadSigningKeys(config.keys.file, { required: requiredAlgorithms(config), generateIfMissing: config.keys.generateIfMissing });
  const portals = new PortalDirectory(config.clients, config.issuer);
  const provider = createProvider({
    config,
    portals,
    redis,
    memberships: { membershipsOf: (personId) => directory.activeMembershipsOf(personId) },
    logger,
    keys, renderPage: (ctx, page, data) =>
      views.render(page, { ...data, locale: localeFor(ctx, translator, ctx.oidc.params?.ui_locales) }),
  });
  const metrics = createBrokerMetrics();
  if (options.countStoreRequests) countStoreRequests({ redis, mongo }, metrics.registry);
  const exposition = options.metricsOfAllWorkers ? metricsOfAllWorkers(metrics.registry) : () => metrics.registry.metrics();
  const federation = new Federation(config.upstreams, {
    brokerIssuer: config.issuer,
    redis,
    logger,
    failures: metrics.upstreamFailures,
  });
  // Inside the provider's request batching (added first in createProvider): the login transaction joins its MULTI.
  provider.use(straightUpstream(federation));
  const leadUpstream = formsLeadUpstream({ loopbackHttp: config.upstreams.some((u) => u.issuer.startsWith('http:')) });
  const identities = new InteractionIdentityStore(redis);
  const audit = new AuditLog(mongo, logger);
  // Links in queued e-mails are sealed under keys derived from the cookie keys, which never enter the database.
  const outbox = new Outbox(mongo, { sealingKeys: config.cookieKeys });
  const devTransport = config.mail.transport === 'dev' ? createDevTransport() : undefined;
  const pending = new PendingAssociationStore(mongo);
  const disownLinks = new DisownLinkStore(mongo);
  await Promise.all([audit.ensureIndexes(), outbox.ensureIndexes(logger), pending.ensureIndexes(logger), disownLinks.ensureIndexes(logger)]);
  const mailRenderer = createMailRenderer(VIEWS_DIR, translator, brand);
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
    contacts: directory,
    pending,
    memberships: directory,
    limits: new AssociationLimits(redis, config.linking.limits),
    references: new ConfirmationReferences(redis),
    hooks: associationHooks({
      audit,
      mailer: outbox,
      linkUrl: `${config.issuer}/link`,
      linkTtlMs: config.linking.linkTtl,
      disownLinks,
      disownUrl: `${config.issuer}/link/not-me`,
      support: config.mail.support,
      upstreamName,
      portalName: (clientId) => portals.get(clientId)?.name,
      now: () => new Date(),
    }),
    disownLinks,
    sessions: new PersonSessions(provider, redis, logger),
    supportDesk: flowSupportDesk({ db: mongo, audit, mailer: outbox, support: config.mail.support, upstreamName }),
    linkTtlMs: config.linking.linkTtl,
    support: config.mail.support,
    upstreamName,
    homeUrl: (clientId) => portals.get(clientId)?.homeUrl,
    clientName: (clientId) => portals.get(clientId)?.name,
    now: () => new Date(),
  };
  // oidc-provider answers its own failures with server_error and keeps the cause to itself: log it with the request,
  // and keep it for the store-outage middleware, which turns a store's failure into 503 (store-outage.ts).
  provider.on('server_error', (ctx: Koa.Context, error: Error) => {
    (ctx.state.log ?? logger).error({ err: error, path: ctx.path }, 'oidc-provider server_error');
    ctx.state.providerError = error;
  });
  const readiness = [
    { name: 'mongodb', check: () => pingMongo(mongo) },
    { name: 'redis', check: () => pingRedis(redis) },
  ];
  const adminContext: AdminContext = {
    db: mongo,
    linking,
    audit,
    mailer: outbox,
    directory,
    upstreamIssuer: (id) => config.upstreams.find((u) => u.id === id)?.issuer,
    now: () => new Date(),
  };
  const adminTranslator = loadTranslator(join(VIEWS_DIR, 'admin/locales'));
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
    imageOrigins: config.branding?.logoUrl ? [new URL(config.branding.logoUrl).origin] : [],
    routers: [
      assetRoutes(VIEWS_DIR, config.branding?.primaryColor),
      interactionRoutes({
        provider,
        federation,
        identities,
        portals,
        leadUpstream,
        directory,
        views,
        support: config.mail.support,
        linking,
        metrics,
      }),
      linkRoutes(linking, federation, views, leadUpstream),
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
        submit: askSupport({ db: mongo, redis, audit, mailer: outbox, support: config.mail.support, upstreamName, limits: config.linking.limits }),
      }),
      upstreamCallbackRoutes({
        federation,
        identities,
        postedCallbacks: new PostedCallbacks(redis),
        portals,
        onConfirmation: confirmationFinisher(linking, views, portals, metrics),
        onSignIn: linkedSignInFinisher({ provider, signIns: directory, portals, metrics }),
      }),
      // Development only: the transport `dev` keeps e-mails here instead of sending them.
      ...(devTransport ? [devMailboxRoutes(outbox, devTransport.mailbox, views)] : []),
      // On the public listener only for a scraper with the configured token; otherwise on the management port.
      ...(config.metrics.enabled && config.metrics.bearerToken ? [metricsRoutes(metrics, config.metrics.bearerToken, exposition)] : []),
      ...(config.admin.console ? [supportConsole(config, config.admin.console, { context: adminContext, redis, logger, metrics, translator: adminTranslator, brand, viewsDir: VIEWS_DIR })] : []),
    ],
    // oidc-provider last: the broker's own routes take precedence; it answers discovery, /auth, /token, ...
    mounts: [mount(provider)],
  });

  const managementApp = createManagementApp({
    logger,
    readiness,
    routers: config.metrics.enabled ? [metricsRoutes(metrics, undefined, exposition)] : [],
  });

  options.instrument?.({ redis, mongo, provider });
  const servers: Server[] = [];
  const listen = (application: Koa, port: number, host: string | undefined) =>
    new Promise<Server>((resolve, reject) => {
      const created = createServer(application.callback());
      created.once('error', reject);
      created.listen(port, host, () => resolve(created));
      servers.push(created);
    });

  return {
    app,
    managementApp,
    async start(start = {}) {
      const server = await listen(app, start.port ?? config.port, start.host);
      const management =
        start.management === false || (start.management?.port ?? config.management.port) === undefined
          ? undefined
          : await listen(managementApp, start.management?.port ?? config.management.port ?? 0, start.management?.host ?? config.management.host);
      mailWorker.start();
      return { server, management };
    },
    startWorkers() {
      mailWorker.start();
    },
    deliverMail(now) {
      return mailWorker.runOnce(now);
    },
    async stop() {
      await mailWorker.stop();
      await Promise.all(
        servers.map(async (server) => {
          const closing = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          const grace = setTimeout(() => server.closeAllConnections(), 10_000);
          await closing;
          clearTimeout(grace);
        }),
      );
      await Promise.allSettled([mongo.close(), closeRedis(redis), changes.close()]);
    },
  };
}
