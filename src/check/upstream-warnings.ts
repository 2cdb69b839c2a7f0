import type { BrokerConfig } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';
import { checkUpstreams } from './run-checks.ts';

/**
 * At start-up, the upstream checks of `npm run check`, logged once per upstream at warn. The broker starts anyway
 * (a provider may come back, and the other upstreams work): a sign-in through this upstream shows the "not
 * available" page (502), and this line, written before anyone tried, says why and what to change.
 */
export async function warnAboutUpstreams(config: Readonly<BrokerConfig>, logger: Logger): Promise<void> {
  const problems = await checkUpstreams(config);
  for (const { key, problem, fix } of problems) logger.warn({ key, fix }, `upstream check: ${key}: ${problem}`);
}
