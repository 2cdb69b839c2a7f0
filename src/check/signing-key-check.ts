import type { BrokerConfig } from '../config/index.ts';
import { readKeyFile, requiredAlgorithms, signingKeyOf } from '../provider/signing-keys.ts';
import type { CheckProblem } from './check-problem.ts';

/**
 * The key file against every algorithm in use (RS256 always, keys.algorithm, any portal's idTokenSignedResponseAlg),
 * as the broker reads it at start-up, where a missing key stops it.
 */
export function checkSigningKeys(config: Pick<BrokerConfig, 'keys' | 'clients'>): CheckProblem[] {
  const file = config.keys.file;
  let keyFile;
  try {
    keyFile = readKeyFile(file);
  } catch (error) {
    return [
      {
        key: 'keys.file',
        problem: (error as Error).message.replace(/^keys\.file: /, ''),
        fix: `npm run keys -- generate --file ${file} (or restore the file from a backup)`,
      },
    ];
  }
  if (!keyFile) {
    if (config.keys.generateIfMissing) return [];
    return [{ key: 'keys.file', problem: `${file} does not exist`, fix: `npm run keys -- generate (writes ${file})` }];
  }
  return [...requiredAlgorithms(config)].flatMap(([algorithm, neededBy]) =>
    signingKeyOf(keyFile, algorithm)
      ? []
      : [
          {
            key: 'keys.file',
            problem: `${file} has no ${algorithm} signing key, needed by ${neededBy}`,
            fix: `npm run keys -- rotate --alg ${algorithm}`,
          },
        ],
  );
}
