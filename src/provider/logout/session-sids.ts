import type Provider from 'oidc-provider';
import type { Session } from 'oidc-provider';
import type { Logger } from '../../log/logger.ts';
import type { Redis } from '../../store/redis.ts';
import { secondsToLive, type SavedRecord } from '../saved-records.ts';
import { writeGroupsWithRequest, type WriteGroup } from '../../store/request-writes.ts';

// The `sid` of an ID token is not the session's id but one oidc-provider draws per portal of the session
// (`session.authorizations[clientId].sid`), and oidc-provider finds sessions by id only. One key per sid, alone in
// every command (so any slot of a Redis Cluster will do), naming the session's id for as long as the session lives.
const sidKey = (sid: string) => `sessionSid:${sid}`;

/**
 * The broker sessions by the `sid` their portals' ID tokens carry, indexed as oidc-provider saves a signed-in session
 * (its `session.saved` event): within a request, in that request's MULTI (request-writes.ts), so a sign-in costs no
 * round trip more. An entry may outlive what it names (a session destroyed, a portal signed out of it): `find`
 * answers only with a live session that still holds that sid for that portal.
 */
export class SessionsBySid {
  readonly #provider: Provider;
  readonly #redis: Redis;

  constructor(provider: Provider, redis: Redis, logger: Logger) {
    this.#provider = provider;
    this.#redis = redis;
    provider.on('session.saved', (saved: SavedRecord) => {
      const ttl = secondsToLive(saved);
      if (ttl === undefined) return;
      const groups = Object.values(saved.authorizations ?? {}).flatMap(({ sid }): WriteGroup[] => {
        if (!sid) return [];
        const key = sidKey(sid);
        return [{ keys: [key], write: (transaction) => transaction.set(key, saved.jti, 'EX', ttl) }];
      });
      writeGroupsWithRequest(redis, groups).catch((error: unknown) =>
        logger.error({ err: error }, 'the index of sessions by sid could not be written'),
      );
    });
  }

  /** The signed-in session that holds `sid` for portal `clientId`, if there is one. */
  async find(clientId: string, sid: string): Promise<Session | undefined> {
    const id = await this.#redis.get(sidKey(sid));
    if (!id) return undefined;
    const session = await this.#provider.Session.find(id);
    if (!session?.accountId || session.authorizations?.[clientId]?.sid !== sid) return undefined;
    return session;
  }
}
