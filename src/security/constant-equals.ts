import { timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets (states, tokens, hashes) in time that does not depend on where they first differ.
 * Only the length may leak, which these values do not keep secret.
 */
export function constantEquals(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
