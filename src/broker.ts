import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Koa from 'koa';
import mount from 'koa-mount';
import type { Connection } from 'mongoose';
import type Provider from 'oidc-provider';
import { directoryChangesOver, type DirectoryChanges } from './accounts/directory-changes.ts';
import { describeMigration, migrateToOrganisations, migratedNothing } from './accounts/organisation-migration.ts';
import { PeopleDirectory } from './accounts/people-directory.ts';
import { PeopleStore } from './accounts/people-store.ts';
import type { AdminContext } from './admin/admin-context.ts';
import { AuditLog } from './audit/audit-log.ts';
import { brokerLifecycle, type Broker } from './composition/lifecycle.ts';
import { linkingPart } from './composition/linking-part.ts';
import { mailPart } from './composition/mail-part.ts';
import { createWebhookEvents, type WebhookEvents } from './events/webhook-events.ts';
import { publicRouters } from './composition/public-routes.ts';
import type { BrokerConfig } from './config/index.ts';
import { PortalDirectory } from './config/portal-directory.ts';
import { createApp, createManagementApp } from './http/app.ts';
import { formsLeadUpstream } from './http/middleware/forms-lead-upstream.ts';
import { localeFor } from './web/locale.ts';
import { metricsRoutes } from './http/routes/metrics.ts';
import { straightUpstream } from './http/routes/straight-upstream.ts';
import { createViewRenderer } from './web/views.ts';
import { loadTranslator } from './i18n/translator.ts';
import type { Logger } from './log/logger.ts';
import { createMailRenderer } from './mail/mail-renderer.ts';
import { createBrokerMetrics } from './metrics/broker-metrics.ts';
import { metricsOfAllWorkers } from './metrics/worker-metrics.ts';
import { createProvider } from './provider/create-provider.ts';
import { loadSigningKeys, requiredAlgorithms } from './provider/signing-keys.ts';
import { connectMongo, pingMongo } from './store/mongo.ts';
import { storeStatuses } from './store/outage.ts';
import { connectRedis, pingRedis, type Redis } from './store/redis.ts';
import { countStoreRequests } from './store/request-counters.ts';
import { Federation } from './upstream/federation.ts';
import { InteractionIdentityStore } from './upstream/interaction-identities.ts';
import { SupportRequests } from './support-requests/support-requests.ts';

export type { Broker, StartedBroker, StartOptions } from './composition/lifecycle.ts';

export const VIEWS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../views');

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
export async function createBroker(
  config: Readonly<BrokerConfig>,
  logger: Logger,
  options: BrokerOptions = {},
): Promise<Broker> {
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
    if (!migratedNothing(migration))
      logger.info({ migration: describeMigration(migration) }, 'migrated accounts to organisations');
    return await assemble(config, logger, { mongo, redis, changes }, options);
  } catch (error) {
    await Promise.allSettled([mongo.close(), redis.quit(), changes.close()]);
    throw error;
  }
}

/** The stores a broker runs on, connected before anything else is built. */
interface Stores {
  mongo: Connection;
  redis: Redis;
  changes: DirectoryChanges;
}

/** The broker read as a list of parts: each built by its own function, the routes and the lifecycle last. */
async function assemble(
  config: Readonly<BrokerConfig>,
  logger: Logger,
  stores: Stores,
  options: BrokerOptions,
): Promise<Broker> {
  const { mongo, redis, changes } = stores;
  const translator = loadTranslator(join(VIEWS_DIR, 'locales'));
  // The company's branding goes to every page and e-mail, without touching a template.
  const brand = config.branding ? { branding: config.branding } : {};
  const views = createViewRenderer(VIEWS_DIR, translator, brand);
  const people = new PeopleStore(mongo);
  await people.ensureIndexes(logger);
  // The one way to people and accounts: it owns their cache, and every write it makes is seen at once everywhere.
  const directory = new PeopleDirectory(people, { ttlMs: config.accountCacheTtl, changes });
  const portals = new PortalDirectory(config.clients, config.issuer);
  const provider = await providerPart(config, { redis, directory, portals, logger, views, translator });
  const metrics = createBrokerMetrics();
  if (options.countStoreRequests) countStoreRequests({ redis, mongo }, metrics.registry);
  const exposition = options.metricsOfAllWorkers
    ? metricsOfAllWorkers(metrics.registry)
    : () => metrics.registry.metrics();
  const federation = new Federation(config.upstreams, {
    brokerIssuer: config.issuer,
    redis,
    logger,
    failures: metrics.upstreamFailures,
  });
  // Inside the provider's request batching (added first in createProvider): the login transaction joins its MULTI.
  provider.use(straightUpstream(federation));
  const audit = new AuditLog(mongo, logger);
  await audit.ensureIndexes();
  const renderer = createMailRenderer(VIEWS_DIR, translator, brand);
  const mail = await mailPart(config, { mongo, audit, renderer, metrics, logger });
  // Events for the customer system, queued in MongoDB next to the outbox and delivered by their own worker.
  const webhooks = await createWebhookEvents({ webhooks: config.webhooks, mongo, logger, metrics });
  const supportRequests = new SupportRequests(mongo);
  await supportRequests.ensureIndexes(logger);
  const linking = await linkingPart(config, {
    mongo,
    redis,
    provider,
    directory,
    portals,
    audit,
    outbox: mail.outbox,
    supportRequests,
    events: webhooks.publisher,
    logger,
  });
  const adminContext = adminPart(config, { supportRequests, linking, audit, mail, directory, webhooks });
  const readiness = [
    { name: 'mongodb', check: () => pingMongo(mongo) },
    { name: 'redis', check: () => pingRedis(redis) },
  ];
  const routers = publicRouters(config, {
    viewsDir: VIEWS_DIR,
    provider,
    federation,
    identities: new InteractionIdentityStore(redis),
    portals,
    leadUpstream: formsLeadUpstream({ loopbackHttp: config.upstreams.some((u) => u.issuer.startsWith('http:')) }),
    directory,
    views,
    adminTranslator: loadTranslator(join(VIEWS_DIR, 'admin/locales')),
    brand,
    linking,
    adminContext,
    audit,
    mail,
    redis,
    metrics,
    exposition,
    logger,
  });
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
    routers,
    // oidc-provider last: the broker's own routes take precedence; it answers discovery, /auth, /token, ...
    mounts: [mount(provider)],
  });
  const managementApp = createManagementApp({
    logger,
    readiness,
    routers: config.metrics.enabled ? [metricsRoutes(metrics, undefined, exposition)] : [],
  });
  options.instrument?.({ redis, mongo, provider });
  return brokerLifecycle(config, { app, managementApp, mailWorker: mail.worker, webhooks, mongo, redis, changes });
}

/** What the admin API and the staff console work with: the same stores and flows as the customer's pages. */
function adminPart(
  config: Readonly<BrokerConfig>,
  parts: Pick<AdminContext, 'supportRequests' | 'linking' | 'audit' | 'directory'> & {
    mail: { outbox: AdminContext['outbox'] & AdminContext['mailer'] };
    webhooks: Pick<WebhookEvents, 'publisher' | 'deliveries'>;
  },
): AdminContext {
  return {
    supportRequests: parts.supportRequests,
    linking: parts.linking,
    audit: parts.audit,
    mailer: parts.mail.outbox,
    outbox: parts.mail.outbox,
    directory: parts.directory,
    events: parts.webhooks.publisher,
    deliveries: parts.webhooks.deliveries,
    upstreamIssuer: (id) => config.upstreams.find((u) => u.id === id)?.issuer,
    now: () => new Date(),
  };
}

/** oidc-provider with the broker's keys, claims of the chosen account and pages, its failures logged with the request. */
async function providerPart(
  config: Readonly<BrokerConfig>,
  parts: {
    redis: Redis;
    directory: PeopleDirectory;
    portals: PortalDirectory;
    logger: Logger;
    views: ReturnType<typeof createViewRenderer>;
    translator: ReturnType<typeof loadTranslator>;
  },
): Promise<Provider> {
  const { redis, directory, portals, logger, views, translator } = parts;
  const keys = await loadSigningKeys(config.keys.file, {
    required: requiredAlgorithms(config),
    generateIfMissing: config.keys.generateIfMissing,
  });
  const provider = createProvider({
    config,
    portals,
    redis,
    memberships: { membershipsOf: (personId) => directory.activeMembershipsOf(personId) },
    logger,
    keys,
    renderPage: (ctx, page, data) =>
      views.render(page, { ...data, locale: localeFor(ctx, translator, ctx.oidc.params?.ui_locales) }),
  });
  // oidc-provider answers its own failures with server_error and keeps the cause to itself: log it with the request,
  // and keep it for the store-outage middleware, which turns a store's failure into 503 (store-outage.ts).
  provider.on('server_error', (ctx: Koa.Context, error: Error) => {
    (ctx.state.log ?? logger).error({ err: error, path: ctx.path }, 'oidc-provider server_error');
    ctx.state.providerError = error;
  });
  return provider;
}
