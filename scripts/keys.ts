// npm run keys -- generate | rotate | retire | list   [--alg ES256|RS256] [--keep N] [--file PATH]
// The file defaults to keys.file of the configuration (BROKER_CONFIG), else .data/keys/jwks.json.
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/index.ts';
import { generateSigningKey, readKeyFile, retireKeys, rotateKeys, writeKeyFile, type SigningAlgorithm } from '../src/provider/signing-keys.ts';

const USAGE = 'usage: npm run keys -- generate|rotate|list|retire [--alg ES256|RS256] [--keep N] [--file PATH]';

function configuredKeys(): { file: string; algorithm: SigningAlgorithm } {
  try {
    return loadConfig(process.env).keys;
  } catch {
    return { file: '.data/keys/jwks.json', algorithm: 'ES256' };
  }
}

function fail(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { alg: { type: 'string' }, keep: { type: 'string' }, file: { type: 'string' } },
});
const configured = configuredKeys();
const file = values.file ?? configured.file;
const algorithm = (values.alg ?? configured.algorithm) as SigningAlgorithm;
if (algorithm !== 'ES256' && algorithm !== 'RS256') fail(`--alg: must be ES256 or RS256\n${USAGE}`, 2);

try {
  switch (positionals[0]) {
    case 'generate': {
      if (readKeyFile(file)) fail(`${file} already holds keys; use "rotate" to add a new signing key`);
      const key = await generateSigningKey(algorithm);
      writeKeyFile(file, { keys: [key] });
      console.log(`created ${file} with ${algorithm} key ${key.kid}`);
      break;
    }
    case 'rotate': {
      const key = await rotateKeys(file, algorithm);
      console.log(`new ${algorithm} signing key ${key.kid} in ${file}; restart the broker to sign with it (older keys still verify)`);
      break;
    }
    case 'retire': {
      const keep = Number(values.keep ?? '1');
      if (!Number.isInteger(keep) || keep < 1) fail(`--keep: must be a whole number >= 1\n${USAGE}`, 2);
      const retired = retireKeys(file, keep);
      console.log(`retired ${retired.length} key(s): ${retired.map((k) => k.kid).join(', ') || 'none'}`);
      break;
    }
    case 'list': {
      const keyFile = readKeyFile(file) ?? fail(`${file} does not exist`);
      keyFile.keys.forEach((k, i) => console.log(`${i === 0 ? 'signs ' : 'verify'} ${k.alg} ${k.kid}`));
      break;
    }
    default:
      fail(USAGE, 2);
  }
} catch (error) {
  fail((error as Error).message);
}
