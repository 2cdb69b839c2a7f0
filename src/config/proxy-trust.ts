import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/**
 * Which reverse proxies the broker believes. `hops`: that many proxies stand in front of it, each appending the
 * address it saw to X-Forwarded-For. `addresses`: the proxies are these addresses or CIDR ranges, wherever they sit.
 * null: no proxy; X-Forwarded-* is ignored and the client is the TCP peer.
 */
export type ProxyTrust = { readonly hops: number } | { readonly addresses: readonly string[] } | null;

const MAX_HOPS = 10;

function isAddressOrRange(value: string): boolean {
  const [address, bits, ...rest] = value.split('/');
  if (!address || rest.length > 0) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const prefix = Number(bits);
  return /^\d+$/.test(bits) && prefix <= (family === 4 ? 32 : 128);
}

/** `trustProxy`: false | true (one proxy) | a number of proxies | the proxies' addresses or CIDR ranges. */
export const trustProxySetting = z.union(
  [
    z.boolean(),
    z.number().int().min(0).max(MAX_HOPS),
    z
      .array(z.string().refine(isAddressOrRange, { error: 'must be an IP address or a CIDR range such as 10.0.0.0/8' }))
      .min(1),
  ],
  { error: `must be false, the number of proxies in front of the broker (1 to ${MAX_HOPS}), or their addresses` },
);

export function proxyTrustOf(setting: z.output<typeof trustProxySetting>): ProxyTrust {
  if (Array.isArray(setting)) return { addresses: setting };
  // `true` is what older configurations say for one TLS proxy in front.
  const hops = setting === true ? 1 : setting === false ? 0 : setting;
  return hops > 0 ? { hops } : null;
}

/** A matcher for `addresses`; IPv4-mapped IPv6 peers (`::ffff:10.0.0.1`) match their IPv4 entries. */
export function proxyAddressMatcher(addresses: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const entry of addresses) {
    const [address = '', bits] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return (address) => {
    const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(plain);
    return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  };
}
