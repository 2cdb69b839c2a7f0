// npm run keys -- generate | rotate | list | retire   [--alg ES256|RS256] [--keep N] [--force] [--file PATH]
// The key file is keys.file of the configuration (BROKER_CONFIG); --file names it instead.
import { parseArgs } from 'node:util';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../src/config/index.ts';
import {
  SIGNING_ALGORITHMS,
  createKeyFile,
  readKeyFile,
  retireKeys,
  rotateKeys,
  signingKeyOf,
  type SigningAlgorithm,
} from '../src/provider/signing-keys.ts';
import { KEY_RETENTION_SECONDS } from '../src/provider/token-lifetimes.ts';

const USAGE = `usage: npm run keys -- <command> [options]

  generate   create the key file with an RS256 and an ES256 signing key
  rotate     add a new signing key per algorithm; the keys they replace still verify (restart the broker after)
  list       the keys with algorithm, use, created and retired dates
  retire     remove retired keys once tokens they signed can no longer be presented
             (${KEY_RETENTION_SECONDS / 86_400} days after they stopped signing)

  --alg ES256|RS256  generate or rotate only this algorithm (default: both)
  --keep N           retire: retired keys to keep per algorithm (default 0)
  --force            retire: remove keys even though tokens they signed may still be presented
  --file PATH        the key file (default: keys.file of the configuration named by BROKER_CONFIG)`;

function fail(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

function parse() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        alg: { type: 'string' },
        keep: { type: 'string' },
        file: { type: 'string' },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return fail(`${(error as Error).message}\n\n${USAGE}`, 2);
  }
}

/** Never a default path when the configuration cannot be read: keys written elsewhere are keys the broker never sees. */
function keyFileOf(explicit: string | undefined): string {
  if (explicit) return explicit;
  try {
    return loadConfig(process.env).keys.file;
  } catch (error) {
    const why = error instanceof ConfigError ? error.problems.join('; ') : (error as Error).message;
    const source = process.env.BROKER_CONFIG || DEFAULT_CONFIG_PATH;
    return fail(
      `cannot find keys.file: the configuration ${source} is not usable (${why}); fix it, or name the file with --file PATH`,
    );
  }
}

function day(iso: string | undefined): string {
  return iso ? iso.slice(0, 10) : 'unknown';
}

const { positionals, values } = parse();
const command = positionals[0];
if (values.help || command === 'help') {
  console.log(USAGE);
  process.exit(0);
}
if (!['generate', 'rotate', 'list', 'retire'].includes(command ?? '')) fail(USAGE, 2);
if (values.alg !== undefined && !SIGNING_ALGORITHMS.includes(values.alg as SigningAlgorithm))
  fail(`--alg: must be ES256 or RS256\n\n${USAGE}`, 2);
const algorithms = values.alg ? [values.alg as SigningAlgorithm] : SIGNING_ALGORITHMS;
const file = keyFileOf(values.file);

try {
  switch (command) {
    case 'generate': {
      if (readKeyFile(file)) fail(`${file} already holds keys; use "rotate" to add new signing keys`);
      const { keys } = await createKeyFile(file, algorithms);
      console.log(`created ${file} with ${keys.map((k) => `${k.alg} key ${k.kid}`).join(' and ')}`);
      break;
    }
    case 'rotate': {
      const keys = await rotateKeys(file, algorithms);
      for (const key of keys) console.log(`new ${key.alg} signing key ${key.kid} in ${file}`);
      console.log('restart the broker to sign with them; the keys they replace still verify until retired');
      break;
    }
    case 'retire': {
      const keep = Number(values.keep ?? '0');
      if (!Number.isInteger(keep) || keep < 0) fail(`--keep: must be a whole number >= 0\n\n${USAGE}`, 2);
      const { removed, refused } = retireKeys(file, { keep, force: values.force });
      if (refused.length > 0) {
        const lines = refused.map(({ key, removableFrom }) =>
          removableFrom
            ? `  ${key.alg} ${key.kid}: retired ${day(key.retired)}, tokens it signed may be presented until ${removableFrom.toISOString()}`
            : `  ${key.alg} ${key.kid}: retirement date unknown, tokens it signed may still be presented`,
        );
        fail(
          `nothing removed; these keys may still verify live tokens (--force removes them anyway):\n${lines.join('\n')}`,
        );
      }
      console.log(
        removed.length === 0
          ? 'no retired keys to remove'
          : `removed ${removed.map((k) => `${k.alg} ${k.kid}`).join(', ')}`,
      );
      break;
    }
    case 'list': {
      const keyFile = readKeyFile(file) ?? fail(`${file} does not exist (create it with: npm run keys -- generate)`);
      console.log('alg    use  created     status                 kid');
      for (const key of keyFile.keys) {
        const status =
          signingKeyOf(keyFile, key.alg as SigningAlgorithm) === key ? 'signs' : `retired ${day(key.retired)}`;
        console.log(
          `${String(key.alg).padEnd(6)} ${String(key.use).padEnd(4)} ${day(key.created).padEnd(11)} ${status.padEnd(22)} ${key.kid}`,
        );
      }
      break;
    }
  }
} catch (error) {
  fail((error as Error).message);
}
