import type { Redis } from '../store/redis.ts';
import type { UpstreamIdentity } from './upstream-identity.ts';

const TTL_SECONDS = 60 * 60;

/**
 * The upstream identity established for one oidc-provider interaction, between the upstream callback (which
 * cannot read the interaction cookie, scoped to /interaction/<uid>) and the interaction route that finishes the
 * login or starts the association. Lives no longer than an interaction does.
 */
export class InteractionIdentityStore {
  readonly #redis: Redis;

  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async save(interactionUid: string, identity: UpstreamIdentity): Promise<void> {
    await this.#redis.set(`interaction-identity:${interactionUid}`, JSON.stringify(identity), 'EX', TTL_SECONDS);
  }

  async find(interactionUid: string): Promise<UpstreamIdentity | undefined> {
    const stored = await this.#redis.get(`interaction-identity:${interactionUid}`);
    return stored === null ? undefined : (JSON.parse(stored) as UpstreamIdentity);
  }

  async forget(interactionUid: string): Promise<void> {
    await this.#redis.del(`interaction-identity:${interactionUid}`);
  }
}
