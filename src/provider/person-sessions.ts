import type Provider from 'oidc-provider';
import './oidc-provider-client.ts';
import type { Logger } from '../log/logger.ts';
import type { Redis } from '../store/redis.ts';
import { secondsToLive, type SavedRecord } from './saved-records.ts';
import { endBrokerSession, revokeGrant } from './logout/end-session.ts';
import { writeWithRequest } from '../store/request-writes.ts';

// oidc-provider finds sessions by id only; these sets name a person's session and grant ids, so that the broker can
// end them when the person's association is undone. Each set expires with its longest-lived member.
const sessionsKey = (personId: string) => `personSessions:${personId}`;
const grantsKey = (personId: string) => `personGrants:${personId}`;

/**
 * The sessions and grants of a person (oidc-provider's `accountId` is the person's id), indexed as oidc-provider
 * saves them (its `session.saved` and `grant.saved` events), and ended on request: each session's portals with
 * back-channel logout are told, its grants revoked with every token issued under them, the session destroyed; grants
 * that outlived their session (refresh tokens of `offline_access`) are revoked too.
 */
export class PersonSessions {
  readonly #provider: Provider;
  readonly #redis: Redis;

  constructor(provider: Provider, redis: Redis, logger: Logger) {
    this.#provider = provider;
    this.#redis = redis;
    const index = (key: (personId: string) => string) => (saved: SavedRecord) => {
      const ttl = secondsToLive(saved);
      if (ttl === undefined || !saved.accountId) return;
      const set = key(saved.accountId);
      // NX gives a new set its first TTL; GT then lengthens it for a longer-lived member but never shortens it.
      // Within a sign-in's request, it goes with that request's other writes (request-writes.ts): no round trip more.
      writeWithRequest(redis, [set], (transaction) =>
        transaction.sadd(set, saved.jti).expire(set, ttl, 'NX').expire(set, ttl, 'GT'),
      ).catch((error: unknown) =>
        logger.error({ err: error }, 'the index of a person’s sessions could not be written'),
      );
    };
    provider.on('session.saved', index(sessionsKey));
    provider.on('grant.saved', index(grantsKey));
  }

  /**
   * Ends everything `personId` is signed in with; tells how many sessions ended and grants were revoked, and each
   * portal's `sid` in the sessions ended (for front-channel logout, which needs the person's browser).
   */
  async endAll(
    personId: string,
  ): Promise<{ sessions: number; grants: number; portals: Array<{ clientId: string; sid: string }> }> {
    const [sessionIds, grantIds] = await Promise.all([
      this.#redis.smembers(sessionsKey(personId)),
      this.#redis.smembers(grantsKey(personId)),
    ]);
    const revoked = new Set<string>();
    const portals: Array<{ clientId: string; sid: string }> = [];
    let sessions = 0;
    for (const id of sessionIds) {
      const session = await this.#provider.Session.find(id);
      if (!session || session.accountId !== personId) continue;
      for (const [clientId, { sid }] of Object.entries(session.authorizations ?? {})) {
        if (sid) portals.push({ clientId, sid });
      }
      for (const grantId of await endBrokerSession(this.#provider, session)) revoked.add(grantId);
      sessions += 1;
    }
    // Grants that outlived their session: refresh tokens of `offline_access`.
    const remaining = grantIds.filter((grantId) => !revoked.has(grantId));
    for (const grantId of remaining) await revokeGrant(this.#provider, grantId);
    // SREM of what was read, not DEL: an id saved meanwhile stays indexed.
    if (sessionIds.length > 0) await this.#redis.srem(sessionsKey(personId), ...sessionIds);
    if (grantIds.length > 0) await this.#redis.srem(grantsKey(personId), ...grantIds);
    return { sessions, grants: new Set([...revoked, ...remaining]).size, portals };
  }
}
