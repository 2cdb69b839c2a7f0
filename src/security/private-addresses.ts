import { BlockList, isIP } from 'node:net';

/**
 * Addresses a request from the broker must not reach unless the operator allows it: this machine (loopback), the
 * networks behind it (RFC 1918, unique local, carrier-grade NAT), link-local (cloud metadata services answer at
 * 169.254.169.254 and fe80::), and everything that is not a unicast host on the internet (unspecified, multicast,
 * reserved, benchmarking and documentation ranges, NAT64 and 6to4 prefixes that can embed any of the former).
 *
 * BlockList checks an IPv4-mapped IPv6 address (::ffff:10.0.0.1) against the IPv4 rules by itself.
 */
const NOT_PUBLIC = new BlockList();
const IPV4: ReadonlyArray<[network: string, prefix: number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const IPV6: ReadonlyArray<[network: string, prefix: number]> = [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
];
for (const [network, prefix] of IPV4) NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of IPV6) NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');

/** Without the brackets a URL puts around an IPv6 literal (`new URL('http://[::1]/').hostname` is `[::1]`). */
function bare(address: string): string {
  return address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
}

/**
 * Whether an IP address is private, loopback, link-local or otherwise not a public unicast host. Anything that is
 * not an IP address at all counts as not public: the guard fails closed.
 */
export function isPrivateNetworkAddress(address: string): boolean {
  const ip = bare(address);
  const family = isIP(ip);
  if (family === 0) return true;
  return NOT_PUBLIC.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/** Whether a URL's host is an IP literal (so no DNS answer can change where it leads). */
export function isIpLiteralHost(url: URL): boolean {
  return isIP(bare(url.hostname)) !== 0;
}
