import type { BrokerConfig } from '../config/index.ts';
import type { CheckProblem } from './check-problem.ts';
import { checkMailSettings } from './mail-settings-check.ts';
import { checkRedirectUris } from './redirect-uri-check.ts';
import { checkSigningKeys } from './signing-key-check.ts';
import { checkMongo, checkRedis } from './store-reachability.ts';
import { checkUpstreamDiscovery } from './upstream-discovery.ts';

/** The upstreams a broker with this configuration signs people in through, with their configuration keys. */
function upstreamsOf(config: Readonly<BrokerConfig>) {
  return [
    ...config.upstreams.map((upstream, i) => ({ upstream, key: `upstreams[${i}]` })),
    ...(config.admin.console ? [{ upstream: config.admin.console.upstream, key: 'admin.console.upstream' }] : []),
  ];
}

/** Every upstream's discovery, concurrently: one slow provider does not hold up the others. */
export async function checkUpstreams(config: Readonly<BrokerConfig>): Promise<CheckProblem[]> {
  const results = await Promise.all(
    upstreamsOf(config).map(({ upstream, key }) => checkUpstreamDiscovery(upstream, key)),
  );
  return results.flat();
}

/** All that a valid configuration still needs from the world around it, in the order of the file. */
export async function checkConfiguration(config: Readonly<BrokerConfig>): Promise<CheckProblem[]> {
  const [mongo, redis, upstreams] = await Promise.all([checkMongo(config), checkRedis(config), checkUpstreams(config)]);
  return [
    ...mongo,
    ...redis,
    ...checkSigningKeys(config),
    ...upstreams,
    ...checkRedirectUris(config),
    ...checkMailSettings(config),
  ];
}
