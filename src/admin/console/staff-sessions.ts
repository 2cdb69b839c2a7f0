import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from '../../store/redis.ts';
import type { StaffMember } from './staff-access.ts';

const keyOf = (id: string) => `staff-session:${createHash('sha256').update(id).digest('base64url')}`;

/**
 * Console sessions in Redis, apart from customer sessions (their own cookie, path and keys). The cookie holds a
 * random id; Redis keeps only its hash, so a copy of Redis opens no console. A session lasts `ttlMs` from sign-in
 * and is never extended: staff sign in again.
 */
export class StaffSessions {
  readonly #redis: Redis;
  readonly #ttlMs: number;

  constructor(redis: Redis, ttlMs: number) {
    this.#redis = redis;
    this.#ttlMs = ttlMs;
  }

  get ttlMs(): number {
    return this.#ttlMs;
  }

  async open(member: StaffMember): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    await this.#redis.set(keyOf(id), JSON.stringify(member), 'PX', this.#ttlMs);
    return id;
  }

  async find(id: string): Promise<StaffMember | undefined> {
    const stored = await this.#redis.get(keyOf(id));
    return stored === null ? undefined : (JSON.parse(stored) as StaffMember);
  }

  async end(id: string): Promise<void> {
    await this.#redis.del(keyOf(id));
  }
}
