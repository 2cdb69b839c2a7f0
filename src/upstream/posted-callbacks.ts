import { randomBytes } from 'node:crypto';
import type { Redis } from '../store/redis.ts';

const TTL_SECONDS = 2 * 60;
const FIELDS = ['code', 'state', 'error', 'error_description', 'iss', 'user'] as const;
const MAX_FIELD = 4_096;

/**
 * A callback the upstream POSTed (`response_mode=form_post`, as Sign in with Apple requires). That POST is a
 * cross-site request, so the browser sends no SameSite=Lax cookie with it and the login cannot be bound to the
 * browser there. The fields are kept here for two minutes under an unguessable key, and the browser is sent on to
 * a same-site GET, which carries the cookie; the code and the name never appear in a URL.
 */
export class PostedCallbacks {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async keep(body: Record<string, unknown>): Promise<string> {
    const fields = Object.fromEntries(
      FIELDS.flatMap((name) => {
        const value = body[name];
        return typeof value === 'string' && value.length <= MAX_FIELD ? [[name, value]] : [];
      }),
    );
    const key = randomBytes(24).toString('base64url');
    await this.#redis.set(`upstream-post:${key}`, JSON.stringify(fields), 'EX', TTL_SECONDS);
    return key;
  }

  async take(key: string): Promise<Record<string, string> | undefined> {
    if (!/^[A-Za-z0-9_-]{32}$/.test(key)) return undefined;
    const stored = await this.#redis.getdel(`upstream-post:${key}`);
    return stored === null ? undefined : (JSON.parse(stored) as Record<string, string>);
  }
}
