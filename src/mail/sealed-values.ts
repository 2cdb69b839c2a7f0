import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Template values that must not be readable at rest (the one-time link), sealed with AES-256-GCM under keys derived
 * from the configuration's cookie keys. The database and its backups hold only ciphertext; the key lives in the
 * configuration (environment) of the broker processes. The additional data binds a sealed value to its message
 * (id, recipient, template): copied to another message, or with the recipient changed, it no longer opens, so
 * someone who can write the outbox cannot have a live link sent to an address of their choosing.
 */
export interface ValueSealer {
  seal(values: Record<string, string>, binding: string): string;
  /** Throws when no configured key opens it (rotated away) or it was tampered with. */
  open(sealed: string, binding: string): Record<string, string>;
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

function deriveKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'identity-broker', 'outbox sealed values v1', 32));
}

/**
 * `secrets`: the configuration's cookie keys. The first seals; every one is tried to open, so a message queued
 * before a key rotation still opens while the old key stays listed (at most a link's lifetime, 24 h).
 */
export function createValueSealer(secrets: readonly string[]): ValueSealer {
  const keys = secrets.map(deriveKey);
  const sealingKey = keys[0];
  if (!sealingKey) throw new Error('sealing values needs at least one key');
  return {
    seal(values, binding) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', sealingKey, iv).setAAD(Buffer.from(binding, 'utf8'));
      const body = Buffer.concat([cipher.update(JSON.stringify(values), 'utf8'), cipher.final()]);
      return `${VERSION}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
    },
    open(sealed, binding) {
      const [version, payload] = sealed.split('.');
      if (version !== VERSION || !payload) throw new Error('sealed values: unknown format');
      const bytes = Buffer.from(payload, 'base64url');
      const iv = bytes.subarray(0, IV_BYTES);
      const tag = bytes.subarray(bytes.length - TAG_BYTES);
      const body = bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES);
      for (const key of keys) {
        try {
          const decipher = createDecipheriv('aes-256-gcm', key, iv)
            .setAAD(Buffer.from(binding, 'utf8'))
            .setAuthTag(tag);
          return JSON.parse(Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')) as Record<
            string,
            string
          >;
        } catch {
          // Not this key; try the next.
        }
      }
      throw new Error('sealed values: no configured cookie key opens them (rotated away, or altered)');
    },
  };
}
