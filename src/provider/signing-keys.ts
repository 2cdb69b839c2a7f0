import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, calculateJwkThumbprint, type JWK } from 'jose';

export type SigningAlgorithm = 'ES256' | 'RS256';

export interface KeyFile {
  /** Newest first: the first key of an algorithm signs, every key verifies. */
  keys: JWK[];
}

export async function generateSigningKey(algorithm: SigningAlgorithm): Promise<JWK> {
  const { privateKey } = await generateKeyPair(algorithm, { extractable: true, ...(algorithm === 'RS256' ? { modulusLength: 2048 } : {}) });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: algorithm, use: 'sig' };
}

export function readKeyFile(file: string): KeyFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`keys.file: cannot read ${file}: ${(error as Error).message}`);
  }
  const parsed = JSON.parse(text) as Partial<KeyFile>;
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

/** Puts a new key first: it signs from the next start on, while tokens signed by older keys still verify. */
export async function rotateKeys(file: string, algorithm: SigningAlgorithm): Promise<JWK> {
  const existing = readKeyFile(file) ?? { keys: [] };
  const key = await generateSigningKey(algorithm);
  writeKeyFile(file, { keys: [key, ...existing.keys] });
  return key;
}

/** Drops all but the newest `keep` keys, once tokens they signed have expired. */
export function retireKeys(file: string, keep: number): JWK[] {
  const existing = readKeyFile(file);
  if (!existing) throw new Error(`keys.file: ${file} does not exist`);
  const retired = existing.keys.slice(keep);
  writeKeyFile(file, { keys: existing.keys.slice(0, keep) });
  return retired;
}

export interface LoadKeysOptions {
  algorithm: SigningAlgorithm;
  generateIfMissing: boolean;
}

/** The signing keys for oidc-provider's `jwks`, created on first start only where configuration allows it. */
export async function loadSigningKeys(file: string, { algorithm, generateIfMissing }: LoadKeysOptions): Promise<KeyFile> {
  const existing = readKeyFile(file);
  if (existing) return existing;
  if (!generateIfMissing) {
    throw new Error(`keys.file: ${file} does not exist (create it with: npm run keys -- generate)`);
  }
  const keyFile = { keys: [await generateSigningKey(algorithm)] };
  writeKeyFile(file, keyFile);
  return keyFile;
}
