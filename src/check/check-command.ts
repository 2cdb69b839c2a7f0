import { ConfigError, loadConfig } from '../config/index.ts';
import { formatProblem } from './check-problem.ts';
import { checkConfiguration } from './run-checks.ts';

export interface CheckOutput {
  out(line: string): void;
  error(line: string): void;
}

/**
 * `npm run check` (`npm start -- --check`): validates the configuration file, then tries what the broker will need.
 * One line per problem with its fix; the exit code is 1 when there is any, so a deployment pipeline can stop.
 */
export async function runCheck(env: NodeJS.ProcessEnv, output: CheckOutput): Promise<number> {
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    output.error(error.message);
    return 1;
  }
  const problems = await checkConfiguration(config);
  for (const problem of problems) output.error(formatProblem(problem));
  if (problems.length > 0) {
    output.error(`${problems.length} problem${problems.length === 1 ? '' : 's'} found`);
    return 1;
  }
  const upstreams = config.upstreams.map((u) => u.id).join(', ');
  output.out(`configuration OK: MongoDB and Redis answer, signing keys present, upstreams discovered (${upstreams})`);
  return 0;
}
