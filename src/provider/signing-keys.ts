import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, calculateJwkThumbprint, type JWK } from 'jose';
import type { BrokerConfig } from '../config/index.ts';
import { KEY_RETENTION_SECONDS } from './token-lifetimes.ts';

export type SigningAlgorithm = 'ES256' | 'RS256';

/**
 * Both, always: OpenID Connect Discovery 1.0 (3) requires RS256 for ID tokens and many libraries accept nothing
 * else, while ES256 is smaller and faster for portals that choose it.
 */
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['RS256', 'ES256'];

/** A private JWK as the key file keeps it: with when it was created and, once a newer key took over, retired. */
export interface StoredKey extends JWK {
  /** ISO date; absent in files written before dates were kept. */
  created?: string;
  /** ISO date the key stopped signing; it still verifies until `retire` removes it. */
  retired?: string;
}

export interface KeyFile {
  keys: StoredKey[];
}

export async function generateSigningKey(algorithm: SigningAlgorithm, now = new Date()): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair(algorithm, {
    extractable: true,
    ...(algorithm === 'RS256' ? { modulusLength: 2048 } : {}),
  });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: algorithm, use: 'sig', created: now.toISOString() };
}

export function readKeyFile(file: string): KeyFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`keys.file: cannot read ${file}: ${(error as Error).message}`);
  }
  let parsed: Partial<KeyFile>;
  try {
    parsed = JSON.parse(text) as Partial<KeyFile>;
  } catch {
    throw new Error(`keys.file: ${file} is not JSON`);
  }
  if (!Array.isArray(parsed.keys) || parsed.keys.length === 0 || parsed.keys.some((k) => !k.d || !k.kid)) {
    throw new Error(`keys.file: ${file} holds no private signing keys (create them with: npm run keys -- generate)`);
  }
  return { keys: parsed.keys };
}

/** Writes atomically (temporary file + rename) and readable by the owner only: these are private keys. */
export function writeKeyFile(file: string, keyFile: KeyFile): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(keyFile, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

/** The key that signs tokens of `algorithm`: the newest one not retired. */
export function signingKeyOf(keyFile: KeyFile, algorithm: SigningAlgorithm): StoredKey | undefined {
  return keyFile.keys.find((k) => k.alg === algorithm && !k.retired);
}

export async function createKeyFile(
  file: string,
  algorithms: readonly SigningAlgorithm[],
  now = new Date(),
): Promise<KeyFile> {
  const keyFile = { keys: await Promise.all(algorithms.map((alg) => generateSigningKey(alg, now))) };
  writeKeyFile(file, keyFile);
  return keyFile;
}

/**
 * A new key per algorithm signs from the next start on; the key it replaces is marked retired and still verifies
 * the tokens it signed.
 */
export async function rotateKeys(
  file: string,
  algorithms: readonly SigningAlgorithm[],
  now = new Date(),
): Promise<StoredKey[]> {
  const existing = readKeyFile(file);
  if (!existing) throw new Error(`keys.file: ${file} does not exist (create it with: npm run keys -- generate)`);
  const fresh = await Promise.all(algorithms.map((alg) => generateSigningKey(alg, now)));
  const keys = existing.keys.map((k) =>
    algorithms.includes(k.alg as SigningAlgorithm) && !k.retired ? { ...k, retired: now.toISOString() } : k,
  );
  writeKeyFile(file, { keys: [...fresh, ...keys] });
  return fresh;
}

export interface RetireOptions {
  /** Retired keys kept per algorithm besides the signing one (newest first). */
  keep: number;
  /** Remove keys even though tokens they signed may still be presented. */
  force: boolean;
  now?: Date;
}

export interface RetireResult {
  removed: StoredKey[];
  /** Keys that may still verify live tokens, with the date from which they may go; nothing is removed then. */
  refused: Array<{ key: StoredKey; removableFrom: Date | undefined }>;
}

/**
 * Removes retired keys beyond `keep` per algorithm. The key that signs an algorithm is never removed, and a key
 * retired less than KEY_RETENTION_SECONDS ago (or at an unknown date) is refused unless forced: all or nothing, so
 * a refusal changes nothing.
 */
export function retireKeys(file: string, { keep, force, now = new Date() }: RetireOptions): RetireResult {
  const existing = readKeyFile(file);
  if (!existing) throw new Error(`keys.file: ${file} does not exist`);
  const retiredSeen = new Map<string | undefined, number>();
  const candidates = existing.keys.filter((k) => {
    if (!k.retired && signingKeyOf(existing, k.alg as SigningAlgorithm) === k) return false;
    const seen = (retiredSeen.get(k.alg) ?? 0) + 1;
    retiredSeen.set(k.alg, seen);
    return seen > keep;
  });
  const refused = candidates.flatMap((key) => {
    const removableFrom = key.retired ? new Date(Date.parse(key.retired) + KEY_RETENTION_SECONDS * 1000) : undefined;
    return !force && (!removableFrom || removableFrom > now) ? [{ key, removableFrom }] : [];
  });
  if (refused.length > 0) return { removed: [], refused };
  writeKeyFile(file, { keys: existing.keys.filter((k) => !candidates.includes(k)) });
  return { removed: candidates, refused: [] };
}

/** The JWKS oidc-provider gets: signing keys first (it signs with the first key of an algorithm), no file-only members. */
export function providerJwks(keyFile: KeyFile): { keys: JWK[] } {
  const ordered = [...keyFile.keys.filter((k) => !k.retired), ...keyFile.keys.filter((k) => k.retired)];
  return { keys: ordered.map(({ created: _created, retired: _retired, ...jwk }) => jwk) };
}

/** Which algorithms must have a signing key, each with the configuration key (or rule) that needs it. */
export type RequiredAlgorithms = ReadonlyMap<SigningAlgorithm, string>;

export function requiredAlgorithms(config: Pick<BrokerConfig, 'keys' | 'clients'>): RequiredAlgorithms {
  const required = new Map<SigningAlgorithm, string>([['RS256', 'OpenID Connect Discovery (RS256 is mandatory)']]);
  required.set(config.keys.algorithm, 'keys.algorithm');
  config.clients.forEach((client, i) => {
    const algorithm = client.idTokenSignedResponseAlg;
    if (algorithm && !required.has(algorithm)) required.set(algorithm, `clients[${i}].idTokenSignedResponseAlg`);
  });
  return required;
}

export interface LoadKeysOptions {
  required: RequiredAlgorithms;
  generateIfMissing: boolean;
}

/**
 * The signing keys for oidc-provider, created on first start only where configuration allows it. Refuses to start,
 * naming the file, when an algorithm in use has no signing key: a broker that starts anyway answers every sign-in
 * with an error while its readiness check says all is well.
 */
export async function loadSigningKeys(
  file: string,
  { required, generateIfMissing }: LoadKeysOptions,
): Promise<KeyFile> {
  const existing = readKeyFile(file);
  if (!existing) {
    if (!generateIfMissing)
      throw new Error(`keys.file: ${file} does not exist (create it with: npm run keys -- generate)`);
    return createKeyFile(file, SIGNING_ALGORITHMS);
  }
  const missing = [...required.keys()].filter((algorithm) => !signingKeyOf(existing, algorithm));
  if (missing.length > 0 && generateIfMissing) {
    // Development convenience extends to a file from before both algorithms were kept.
    const keyFile = { keys: [...(await Promise.all(missing.map((alg) => generateSigningKey(alg)))), ...existing.keys] };
    writeKeyFile(file, keyFile);
    return keyFile;
  }
  for (const [algorithm, neededBy] of required) {
    if (!signingKeyOf(existing, algorithm)) {
      throw new Error(
        `keys.file: ${file} has no ${algorithm} signing key, needed by ${neededBy} (add one with: npm run keys -- rotate --alg ${algorithm})`,
      );
    }
  }
  return existing;
}
