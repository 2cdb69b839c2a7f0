import type { Logger } from '../log/logger.ts';
import { subscriberConnection, type Redis } from '../store/redis.ts';

/** What changes the people directory tells every broker process about (linking/, admin/ use it after their write). */
export interface DirectoryChangeNotices {
  /**
   * Says that an identity, a membership, a contact or an account changed: every process drops what it cached of
   * people. Never throws: the change is already stored; if the notice is lost, caches age out after accountCacheTtl.
   */
  announce(): Promise<void>;
}

/** What a cache of people reads listens to (accounts/account-cache.ts). */
export interface DirectoryChangeFeed {
  /** True while a change announced by any process would reach this one within milliseconds. */
  readonly live: boolean;
  onChange(listener: () => void): void;
}

export interface DirectoryChanges extends DirectoryChangeNotices, DirectoryChangeFeed {
  close(): Promise<void>;
}

/** Channels are not prefixed by ioredis' `keyPrefix`, so the channel carries it. */
const changeChannel = (keyPrefix: string) => `${keyPrefix}people-directory-changed`;

/**
 * One notice from a process that changes people or accounts but serves no sign-ins (the accounts CLI): every broker
 * process drops what it cached. Resolves with the number of broker processes that heard it.
 */
export function announceDirectoryChange(redis: Redis, keyPrefix = ''): Promise<number> {
  return redis.publish(changeChannel(keyPrefix), '1');
}

/**
 * The notices over Redis publish/subscribe. A subscription needs a connection of its own (a subscribed connection
 * serves no other command), duplicated from the broker's with the same target (Sentinels included). Channels are not
 * prefixed by ioredis' `keyPrefix`, so the channel carries it: deployments sharing a Redis keep their notices apart.
 *
 * Notices carry nothing but the fact of a change (changes are rare: an unlink, a removal, an edit by support), so
 * nothing about a person passes through Redis. While the subscription is down the feed is not `live` and caches
 * stop trusting what they hold; when it is back, everything cached before is dropped, since a notice may have been
 * missed in between.
 */
export async function directoryChangesOver(
  redis: Redis,
  { logger, keyPrefix = '' }: { logger: Logger; keyPrefix?: string },
): Promise<DirectoryChanges> {
  const channel = changeChannel(keyPrefix);
  const listeners: Array<() => void> = [];
  const tell = () => listeners.forEach((listener) => listener());
  // Subscribed again by hand at every connection (not ioredis' autoResubscribe) to know when it has taken effect.
  // Named, so that CLIENT LIST tells an operator what the connection is.
  const subscriber = subscriberConnection(redis, `${keyPrefix}directory-changes`);
  let live = false;
  let subscriptions = 0;
  const subscribe = () =>
    subscriber.subscribe(channel).then(() => {
      subscriptions += 1;
      live = true;
      // Whatever was announced while the subscription was down is unknown here: drop everything.
      if (subscriptions > 1) tell();
    });
  subscriber.on('message', (from: string) => from === channel && tell());
  subscriber.on('error', () => undefined); // the main connection already reports Redis problems
  subscriber.on('close', () => (live = false));
  subscriber.on('ready', () => {
    if (subscriptions > 0) subscribe().catch(() => undefined);
  });
  try {
    await subscriber.connect();
    await subscribe();
  } catch (error) {
    // The caches do not trust themselves until a reconnection subscribes.
    subscriptions = 1;
    logger.warn({ reason: (error as Error).message }, 'directory change notices: not subscribed yet');
  }

  return {
    get live() {
      return live;
    },
    onChange(listener) {
      listeners.push(listener);
    },
    async announce() {
      // This process first, without waiting for Redis to bring its own notice back.
      tell();
      try {
        await redis.publish(channel, '1');
      } catch (error) {
        logger.warn(
          { reason: (error as Error).message },
          'directory change notice not published: other processes see the change after accountCacheTtl',
        );
      }
    },
    async close() {
      live = false;
      subscriber.disconnect();
    },
  };
}
