import type { Redis } from '../store/redis.ts';
import { TOKEN_LIFETIMES } from './token-lifetimes.ts';

/**
 * Which account a person chose to act for at a portal, for one broker session: kept as long as a session lives, so
 * that SSO, token exchanges and refreshes of that session keep acting for it, and asked again on
 * `prompt=select_account`.
 */
export class AccountChoices {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async get(sessionUid: string, clientId: string): Promise<string | undefined> {
    return (await this.#redis.get(`account-choice:${sessionUid}:${clientId}`)) ?? undefined;
  }

  async set(sessionUid: string, clientId: string, accountId: string): Promise<void> {
    await this.#redis.set(`account-choice:${sessionUid}:${clientId}`, accountId, 'EX', TOKEN_LIFETIMES.Session);
  }
}
