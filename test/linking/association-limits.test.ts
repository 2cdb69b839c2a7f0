import { Redis } from 'ioredis';
import { ServiceUnavailable } from '../../src/errors/broker-error.ts';
import { AssociationLimits } from '../../src/linking/association-limits.ts';
import { TooManyRequests } from '../../src/linking/linking-errors.ts';
import { TestBrowser, headingOf } from '../support/browser.ts';
import { TestPortal, signIn } from '../support/portal.ts';
import { demoUser, startStack } from '../support/stack.ts';
import { openTestRedis, type TestRedis } from '../support/stores.ts';

describe('association abuse limits', () => {
  let store: TestRedis;
  beforeAll(async () => {
    store = await openTestRedis();
  });
  afterAll(() => store.dispose());

  it('refuses past the configured count per identity, per address and per IP, each on its own', async () => {
    const limits = new AssociationLimits(store.redis, { perIdentity: 2, perAddress: 3, perIp: 4 });
    const keys = (identity: string, address: string, ip: string) => ({ identity, address, ip });
    await limits.consumeRequest(keys('id-1', 'a@x.example', '10.0.0.1'));
    await limits.consumeRequest(keys('id-1', 'b@x.example', '10.0.0.2'));
    await expect(limits.consumeRequest(keys('id-1', 'c@x.example', '10.0.0.3'))).rejects.toBeInstanceOf(
      TooManyRequests,
    );

    await limits.consumeRequest(keys('id-2', 'shared@x.example', '10.1.0.1'));
    await limits.consumeRequest(keys('id-3', 'shared@x.example', '10.1.0.2'));
    await limits.consumeRequest(keys('id-4', 'shared@x.example', '10.1.0.3'));
    await expect(limits.consumeRequest(keys('id-5', 'shared@x.example', '10.1.0.4'))).rejects.toBeInstanceOf(
      TooManyRequests,
    );

    for (let i = 0; i < 4; i += 1) await limits.consumeRequest(keys(`ip-id-${i}`, `ip${i}@x.example`, '10.2.0.1'));
    await expect(limits.consumeRequest(keys('ip-id-9', 'ip9@x.example', '10.2.0.1'))).rejects.toBeInstanceOf(
      TooManyRequests,
    );
  });

  it('fails closed when Redis cannot be reached', async () => {
    const unreachable = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    unreachable.on('error', () => undefined);
    const limits = new AssociationLimits(unreachable, { perIdentity: 5, perAddress: 5, perIp: 5 });
    try {
      await expect(
        limits.consumeRequest({ identity: 'i', address: 'a@x.example', ip: '10.0.0.1' }),
      ).rejects.toBeInstanceOf(ServiceUnavailable);
      await expect(limits.consumeConfirmation('hash')).rejects.toBeInstanceOf(ServiceUnavailable);
    } finally {
      unreachable.disconnect();
    }
  });

  it('shows "try again later" in the browser past the limit, and stores nothing more', async () => {
    const stack = await startStack({ linking: { limits: { perIdentity: 1, perAddress: 10, perIp: 10 } } });
    try {
      const portal = await TestPortal.discover(stack);
      const carol = demoUser('carol');
      const browser = new TestBrowser();
      const { callback } = await signIn(browser, portal, carol);
      const first = await browser.submit(callback, '/associate', { email: 'someone@example.com' });
      expect(headingOf(first.html)).toBe('Thank you');
      const other = new TestBrowser();
      const again = await signIn(other, portal, carol);
      const refused = await other.submit(again.callback, '/associate', { email: 'someone-else@example.com' });
      expect(refused.status).toBe(429);
      expect(headingOf(refused.html)).toBe('Please try again later');
    } finally {
      await stack.close();
    }
  });
});
