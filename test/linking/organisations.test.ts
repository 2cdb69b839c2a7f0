import { TestBrowser, headingOf, textContent, type Page } from '../support/browser.ts';
import { TestPortal, loginUpstream, signIn } from '../support/portal.ts';
import { startSendGridSink, type SendGridSink } from '../support/sendgrid-sink.ts';
import { demoUser, startStack, type Stack } from '../support/stack.ts';
import type { DemoUser } from '../parties/demo-upstream.ts';

const carol = demoUser('carol');
const bob = demoUser('bob');
const alice = demoUser('alice');

describe('customer accounts with several people', () => {
  let sink: SendGridSink;
  let stack: Stack;
  let portal: TestPortal;

  beforeAll(async () => {
    sink = await startSendGridSink({ apiKey: 'SG.org-test' });
    stack = await startStack({
      mail: {
        from: { email: 'accounts@broker.example', name: 'Customer Accounts' },
        support: 'help@broker.example',
        transport: 'sendgrid',
        sendgrid: { apiKey: 'SG.org-test', baseUrl: sink.url },
      },
      linking: { limits: { perIdentity: 50, perAddress: 50, perIp: 500 } },
    });
    portal = await TestPortal.discover(stack);
    await stack.seedAccount({
      name: 'Contoso Ltd',
      email: ['it@contoso.example', 'sales@contoso.example'],
      customerNumber: 'C-1001',
    });
    await stack.seedAccount({ name: 'Fabrikam', email: 'purchasing@fabrikam.example', customerNumber: 'C-1002' });
    await stack.seedLinkedAccount(alice, { email: 'alice@taken.example' });
  });
  afterAll(async () => {
    await stack.close();
    await sink.close();
  });

  async function mailsSent(): Promise<Array<{ to: string; text: string }>> {
    const before = sink.received.length;
    await stack.broker.deliverMail();
    return sink.received.slice(before).map((body) => {
      const mail = body as {
        personalizations: Array<{ to: Array<{ email: string }> }>;
        content: Array<{ type: string; value: string }>;
      };
      return {
        to: mail.personalizations[0]?.to[0]?.email ?? '',
        text: mail.content.find((c) => c.type === 'text/plain')?.value ?? '',
      };
    });
  }

  /** Asks, opens the e-mailed link in a fresh browser, confirms with a fresh upstream login. */
  async function associateAndConfirm(user: DemoUser, address: string): Promise<void> {
    const browser = new TestBrowser();
    const { callback } = await signIn(browser, portal, user);
    await browser.submit(callback, '/associate', { email: address }, portal.redirectUri);
    const mail = (await mailsSent()).find((m) => m.to === address && m.text.includes('/link?token='));
    if (!mail) throw new Error(`no link e-mail for ${address}`);
    const link = /(http:\/\/127\.0\.0\.1:\d+\/link\?token=[A-Za-z0-9_-]{43})/.exec(mail?.text ?? '')?.[1] ?? '';
    const fresh = new TestBrowser();
    const confirmPage = await fresh.navigate(link);
    const upstreamLogin = await fresh.submit(confirmPage, '/link/confirm');
    const done = await loginUpstream(fresh, upstreamLogin, user, portal.redirectUri);
    expect(headingOf(done.html)).toBe('Your sign-in is associated');
  }

  async function claimsOf(user: DemoUser) {
    const { attempt, callback } = await signIn(new TestBrowser(), portal, user);
    return (await portal.exchange(callback.url, attempt)).claims();
  }

  it('answers an unknown, a free and a taken address with the same page, and mails only the registered ones', async () => {
    const pages: Page[] = [];
    for (const address of ['nobody@unknown.example', 'purchasing@fabrikam.example', 'alice@taken.example']) {
      const browser = new TestBrowser();
      const { callback } = await signIn(browser, portal, carol);
      pages.push(await browser.submit(callback, '/associate', { email: address }, portal.redirectUri));
    }
    // Only the address the person typed (masked) differs between the three.
    const texts = pages.map((page) => textContent(page.html).replace(/\b\w\*\*\*@[\w.-]+/, 'x***@example'));
    expect(headingOf(pages[0]!.html)).toBe('Thank you');
    expect(new Set(texts).size).toBe(1);
    const mails = await mailsSent();
    expect(mails.map((m) => m.to).sort()).toEqual(['alice@taken.example', 'purchasing@fabrikam.example']);
    expect(mails.find((m) => m.to === 'alice@taken.example')?.text).toContain(
      'Someone already signs in with this address.',
    );
    expect(mails.find((m) => m.to === 'purchasing@fabrikam.example')?.text).not.toContain('already signs in');
  });
  it('lets two colleagues link their own sign-ins: different subs, the same customer number, their own addresses', async () => {
    await associateAndConfirm(carol, 'it@contoso.example');
    await associateAndConfirm(bob, 'sales@contoso.example');
    const [carolClaims, bobClaims] = [await claimsOf(carol), await claimsOf(bob)];
    expect(carolClaims).toMatchObject({
      customer_number: 'C-1001',
      account_name: 'Contoso Ltd',
      email: 'it@contoso.example',
    });
    expect(bobClaims).toMatchObject({
      customer_number: 'C-1001',
      account_name: 'Contoso Ltd',
      email: 'sales@contoso.example',
    });
    expect(carolClaims?.sub).not.toBe(bobClaims?.sub);
  });
});
