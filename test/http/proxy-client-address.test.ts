import { formsOf, TestBrowser, type Page } from '../support/browser.ts';
import { TestPortal, signIn } from '../support/portal.ts';
import { demoUser, startStack, type Stack } from '../support/stack.ts';
import { recentAudit } from '../support/records.ts';

const PROXY_SAW = '198.51.100.7';

/** Submits the association form as it reaches the broker through a proxy: with an X-Forwarded-For. */
async function associateThroughProxy(
  browser: TestBrowser,
  page: Page,
  email: string,
  forwardedFor: string,
): Promise<number> {
  const form = formsOf(page.html).find((f) => f.action.includes('/associate'));
  if (!form) throw new Error(`no association form on ${page.url}`);
  const target = new URL(form.action, page.url).href;
  const response = await fetch(target, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      accept: 'text/html',
      'content-type': 'application/x-www-form-urlencoded',
      cookie: await browser.jar.getCookieString(target),
      'x-forwarded-for': forwardedFor,
    },
    body: new URLSearchParams({ ...form.fields, email }).toString(),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('the client address behind a trusted proxy', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ trustProxy: 1, linking: { limits: { perIdentity: 50, perAddress: 50, perIp: 2 } } });
  });
  afterAll(() => stack.close());

  it('is what the proxy saw: a forged X-Forwarded-For neither lifts the per-IP limit nor reaches the audit', async () => {
    const browser = new TestBrowser();
    const { callback } = await signIn(browser, await TestPortal.discover(stack), demoUser('carol'));
    const statuses: number[] = [];
    for (let i = 1; i <= 4; i += 1) {
      // The client writes an address of its choosing; the proxy appends the one it really saw.
      statuses.push(
        await associateThroughProxy(browser, callback, `someone${i}@example.com`, `203.0.113.${i}, ${PROXY_SAW}`),
      );
    }
    expect(statuses.slice(0, 2).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(2)).toEqual([429, 429]);

    const requested = await recentAudit(stack.db, { type: 'association.requested' });
    expect(requested).toHaveLength(2);
    expect(requested.map((e) => e.ip)).toEqual([PROXY_SAW, PROXY_SAW]);
  });

  it('counts different clients of the same proxy apart', async () => {
    const browser = new TestBrowser();
    const { callback } = await signIn(browser, await TestPortal.discover(stack), demoUser('bob'));
    const statuses: number[] = [];
    for (let i = 1; i <= 3; i += 1)
      statuses.push(await associateThroughProxy(browser, callback, `other${i}@example.com`, `192.0.2.${i}`));
    expect(statuses).not.toContain(429);
  });
});
