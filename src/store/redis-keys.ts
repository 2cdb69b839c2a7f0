/**
 * Hash tags (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags): a Redis Cluster
 * places a key by the part between its first `{` and the next `}` when that part is not empty, by the whole key
 * otherwise. Keys with the same tag share a slot, so one MULTI or one script may touch them together.
 */

/** `name:{id}` on a cluster (the id is the tag), `name:id` on one server, where key names predate the cluster. */
export function taggedKey(cluster: boolean, name: string, id: string): string {
  return cluster ? `${name}:{${id}}` : `${name}:${id}`;
}

/**
 * What a cluster places `key` by (its tag, or the whole key). Two keys with the same answer are in one slot; two
 * different answers may still share one, which only costs a MULTI more where writes are grouped by it.
 */
export function placementOf(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}
