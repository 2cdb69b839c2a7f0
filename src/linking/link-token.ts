import { createHash, randomBytes } from 'node:crypto';
import { constantEquals } from '../security/constant-equals.ts';

/** 256 bits from the CSPRNG, URL-safe (base64url, 43 characters). */
export function newLinkToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Only this hash is stored: a database leak yields no usable link. */
export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time check that a stored hash belongs to a presented token. */
export function tokenMatchesHash(token: string, storedHash: string): boolean {
  return constantEquals(hashLinkToken(token), storedHash);
}

/** Rejects obviously malformed tokens before any database work. */
export function looksLikeLinkToken(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}
