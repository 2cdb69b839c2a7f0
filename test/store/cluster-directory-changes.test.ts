import { randomBytes } from 'node:crypto';
import { directoryChangesOver, type DirectoryChanges } from '../../src/accounts/directory-changes.ts';
import { closeRedis, connectRedis, type Redis } from '../../src/store/redis.ts';
import { waitFor } from '../ops/support/own-services.ts';
import { CLUSTER_WAIT_MS, holdCluster } from '../support/cluster-lock.ts';
import { silentLogger, TEST_CLUSTER } from '../support/stores.ts';

// Two broker processes on one Redis Cluster: PUBLISH on any node reaches a subscriber on any other.
describe('people-directory change notices on a Redis Cluster', () => {
  const keyPrefix = `ibtest:${randomBytes(6).toString('hex')}:`;
  const clients: Redis[] = [];
  const feeds: DirectoryChanges[] = [];
  const process = async () => {
    const redis = await connectRedis(TEST_CLUSTER, { logger: silentLogger, keyPrefix });
    clients.push(redis);
    const changes = await directoryChangesOver(redis, { logger: silentLogger, keyPrefix });
    feeds.push(changes);
    return changes;
  };
  let release: () => void;
  beforeAll(async () => (release = await holdCluster('shared')), CLUSTER_WAIT_MS);
  afterAll(async () => {
    await Promise.all(feeds.map((feed) => feed.close()));
    await Promise.all(clients.map((client) => closeRedis(client)));
    release?.();
  });

  it('subscribes at start, and tells the other process of a change announced by one', async () => {
    const [announcer, listener] = [await process(), await process()];
    expect([announcer.live, listener.live]).toEqual([true, true]);
    let heard = 0;
    listener.onChange(() => (heard += 1));
    await announcer.announce();
    await waitFor('the notice to reach the other process', () => heard === 1, 5_000);
  });
});
