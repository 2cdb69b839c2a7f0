import type { Context } from 'koa';
import type { ProxyTrust } from '../../src/config/proxy-trust.ts';
import { clientAddress } from '../../src/http/middleware/client-address.ts';

async function clientOf(trust: ProxyTrust, peer: string, forwardedFor?: string): Promise<string> {
  const ctx = {
    req: { socket: { remoteAddress: peer }, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} },
    request: { ip: '' },
  } as unknown as Context;
  await clientAddress(trust)(ctx, () => Promise.resolve());
  return ctx.request.ip;
}

describe('the client address', () => {
  it('is the TCP peer when no proxy is trusted, whatever X-Forwarded-For says', async () => {
    expect(await clientOf(null, '192.0.2.10', '203.0.113.1')).toBe('192.0.2.10');
  });

  it('with N proxies, is the entry the outermost one appended, however many the client prepended', async () => {
    expect(await clientOf({ hops: 1 }, '10.0.0.2', '203.0.113.66, 198.51.100.7')).toBe('198.51.100.7');
    expect(await clientOf({ hops: 2 }, '10.0.0.2', '203.0.113.66, 198.51.100.7, 10.0.0.1')).toBe('198.51.100.7');
    expect(await clientOf({ hops: 1 }, '10.0.0.2')).toBe('10.0.0.2');
  });

  it('with proxy addresses, is the first address from the right that is not a proxy', async () => {
    const trust = { addresses: ['10.0.0.0/8'] };
    expect(await clientOf(trust, '10.0.0.2', '203.0.113.66, 198.51.100.7, 10.1.2.3')).toBe('198.51.100.7');
    expect(await clientOf(trust, '::ffff:10.0.0.2', '198.51.100.7')).toBe('198.51.100.7');
    // A peer that is not one of the proxies is the client itself: its header is not believed.
    expect(await clientOf(trust, '192.0.2.10', '203.0.113.66')).toBe('192.0.2.10');
  });
});
