import { TestBrowser } from '../support/browser.ts';
import { TestPortal, signIn } from '../support/portal.ts';
import { demoUser, startStack, type Stack } from '../support/stack.ts';

const TOKEN = 'scrape-token-0123456789';

describe('/metrics', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ metrics: { bearerToken: TOKEN } });
  });
  afterAll(() => stack.close());

  const scrape = (authorization?: string) =>
    fetch(`${stack.brokerUrl}/metrics`, { headers: authorization ? { authorization } : {} });

  it('answers only a scraper presenting the configured token', async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape('Bearer wrong-token-000000000')).status).toBe(401);
    expect((await scrape(`Bearer ${TOKEN}`)).status).toBe(200);
  });

  it('counts sign-in outcomes, refusals by code and requests by route pattern, never by raw path', async () => {
    const portal = await TestPortal.discover(stack);
    await stack.seedLinkedAccount(demoUser('alice'));
    await signIn(new TestBrowser(), portal, demoUser('alice'));
    await signIn(new TestBrowser(), portal, demoUser('carol'));
    await new TestBrowser().navigate(`${stack.brokerUrl}/link?token=${'x'.repeat(43)}`);

    const text = await (await scrape(`Bearer ${TOKEN}`)).text();
    expect(text).toMatch(/^broker_sign_ins_total\{outcome="linked"\} 1$/m);
    expect(text).toMatch(/^broker_sign_ins_total\{outcome="not-linked"\} 1$/m);
    expect(text).toMatch(/^broker_refusals_total\{code="LINK\.NOT_FOUND"\} 1$/m);
    expect(text).toContain('route="/interaction/:uid/continue"');
    expect(text).toContain('route="/auth"');
    expect(text).not.toMatch(/route="\/interaction\/[A-Za-z0-9_-]{20,}/);
    expect(text).toContain('broker_process_cpu_user_seconds_total');
  });
});
