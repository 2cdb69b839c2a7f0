import { randomInt } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportPKCS8, generateKeyPair, importPKCS8, type CryptoKey, type KeyObject } from 'jose';

// The key a Sign in with Apple client signs its client secret with, as Apple hands it out: a P-256 private key in
// a PKCS#8 PEM file (AuthKey_<key id>.p8) with its 10-character key id, plus the 10-character team id.
// https://developer.apple.com/documentation/accountorganizationaldatasharing/creating-a-client-secret

export interface AppleClientKey {
  teamId: string;
  keyId: string;
  /** PKCS#8 PEM file, which the broker reads (`apple.privateKeyFile`). */
  privateKeyFile: string;
  /** What the Apple double verifies client secrets with. */
  publicKey: CryptoKey;
}

/** Apple caps a client secret's lifetime at six months: exp may be at most 15777000 s after iat. */
export const APPLE_CLIENT_SECRET_MAX_LIFETIME_S = 15_777_000;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const appleId = () => Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');

/** Generates an ES256 key pair and writes the private key where the broker's configuration can name it. */
export async function createAppleClientKey(options: { directory?: string } = {}): Promise<AppleClientKey> {
  const keyId = appleId();
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'apple-key-')));
  const privateKeyFile = join(directory, `AuthKey_${keyId}.p8`);
  await writeFile(privateKeyFile, await exportPKCS8(privateKey), { mode: 0o600 });
  return { teamId: appleId(), keyId, privateKeyFile, publicKey };
}

export interface AppleClientSecretInput {
  clientId: string;
  /** Apple's issuer (https://appleid.apple.com); the double's issuer in tests. */
  audience: string;
  /** Seconds; the current time by default. */
  now?: number;
  lifetimeSeconds?: number;
  /** Claims and header members to get wrong on purpose. */
  override?: Partial<{ iss: string; sub: string; aud: string; iat: number; exp: number; kid: string }>;
  /** Sign with another key (and algorithm) than the one in the file. */
  signWith?: { key: CryptoKey | KeyObject | Uint8Array; alg: string };
}

/**
 * A client secret as Apple documents it: header alg ES256 and kid; claims iss (team id), iat, exp, aud (Apple's
 * issuer) and sub (the client id). Tests use it to play the broker and to craft secrets Apple must refuse.
 */
export async function signAppleClientSecret(
  key: Pick<AppleClientKey, 'teamId' | 'keyId' | 'privateKeyFile'>,
  input: AppleClientSecretInput,
): Promise<string> {
  const iat = input.override?.iat ?? input.now ?? Math.floor(Date.now() / 1000);
  const exp = input.override?.exp ?? iat + (input.lifetimeSeconds ?? 3600);
  const signWith = input.signWith ?? {
    key: await importPKCS8(await readFile(key.privateKeyFile, 'utf8'), 'ES256'),
    alg: 'ES256',
  };
  return new SignJWT({})
    .setProtectedHeader({ alg: signWith.alg, kid: input.override?.kid ?? key.keyId })
    .setIssuer(input.override?.iss ?? key.teamId)
    .setSubject(input.override?.sub ?? input.clientId)
    .setAudience(input.override?.aud ?? input.audience)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(signWith.key);
}
