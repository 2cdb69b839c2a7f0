import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Router from '@koa/router';
import type { BrokerConfig } from '../../config/index.ts';
import { createViewRenderer } from '../../web/views.ts';
import type { Translator } from '../../i18n/translator.ts';
import type { Logger } from '../../log/logger.ts';
import type { BrokerMetrics } from '../../metrics/broker-metrics.ts';
import type { Redis } from '../../store/redis.ts';
import { Federation } from '../../upstream/federation.ts';
import type { AdminContext } from '../admin-context.ts';
import { consoleRoutes } from './console-routes.ts';
import { StaffAccess } from './staff-access.ts';
import { StaffSessions } from './staff-sessions.ts';

export interface SupportConsoleDependencies {
  context: AdminContext;
  redis: Redis;
  logger: Logger;
  metrics: BrokerMetrics;
  translator: Translator;
  brand: Record<string, unknown>;
  viewsDir: string;
}

type ConsoleConfig = NonNullable<BrokerConfig['admin']['console']>;

/**
 * The support console, assembled from `admin.console`: its own upstream (the company's workforce directory, with a
 * federation of its own so that no customer upstream can open it), its staff list, its sessions and its pages
 * (views/admin, with their own catalogues).
 */
export function supportConsole(
  config: Readonly<BrokerConfig>,
  settings: ConsoleConfig,
  deps: SupportConsoleDependencies,
): Router {
  const federation = new Federation([settings.upstream], {
    brokerIssuer: config.issuer,
    redis: deps.redis,
    logger: deps.logger,
    failures: deps.metrics.upstreamFailures,
    callbackUrl: () => `${config.issuer}/admin/callback`,
  });
  return consoleRoutes({
    context: deps.context,
    federation,
    upstreamId: settings.upstream.id,
    access: new StaffAccess(settings.staff),
    sessions: new StaffSessions(deps.redis, settings.sessionTtl),
    views: createViewRenderer(join(deps.viewsDir, 'admin'), deps.translator, deps.brand),
    stylesheet: readFileSync(join(deps.viewsDir, 'admin/console.css'), 'utf8'),
    customerUpstreams: config.upstreams.map(({ id, name }) => ({ id, name })),
  });
}
