import { constantEquals } from '../../../src/security/constant-equals.ts';
import type { ClientCredentials } from './mini-op.ts';

export type SecretMethod = 'client_secret_basic' | 'client_secret_post';

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded. */
function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const unescape = (value: string) => decodeURIComponent(value.replace(/\+/g, ' '));
  try {
    return { id: unescape(decoded.slice(0, colon)), secret: unescape(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

/**
 * Client authentication with a shared secret by the methods a provider accepts. A request that uses two methods
 * at once is refused (RFC 6749 §2.3: a client MUST NOT use more than one).
 */
export function secretAuthentication(clientId: string, clientSecret: string, methods: readonly SecretMethod[]) {
  return async ({ form, authorization }: ClientCredentials): Promise<string | undefined> => {
    const basic = authorization ? basicCredentials(authorization) : undefined;
    if (authorization && form.client_secret !== undefined) return undefined;
    const presented = basic
      ? methods.includes('client_secret_basic') && basic
      : methods.includes('client_secret_post') && { id: form.client_id ?? '', secret: form.client_secret ?? '' };
    if (!presented) return undefined;
    // Both compared, so that a wrong id and a wrong secret take the same time.
    const sameId = constantEquals(presented.id, clientId);
    const sameSecret = constantEquals(presented.secret, clientSecret);
    return sameId && sameSecret ? clientId : undefined;
  };
}
