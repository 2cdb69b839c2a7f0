import { Redis } from 'ioredis';
import { pendingAssociationModel } from '../../src/linking/pending-association-model.ts';
import { TestBrowser, formsOf, headingOf, textContent, textOf, type Page } from '../support/browser.ts';
import type { TestPortal } from '../support/portal.ts';
import { signIn } from '../support/portal.ts';
import type { SendGridSink } from '../support/sendgrid-sink.ts';
import { demoUser, type Stack } from '../support/stack.ts';
import { startMailingStack, type MailingStack } from '../support/mailing-stack.ts';

const carol = demoUser('carol');
const REGISTERED = 'office@carol-and-co.example';

describe('"Thank you" after asking for the association e-mail', () => {
  let sink: SendGridSink;
  let stack: Stack;
  let portal: TestPortal;

  let mailing: MailingStack;

  beforeAll(async () => {
    mailing = await startMailingStack({
      linking: { linkTtl: '1h', limits: { perIdentity: 2, perAddress: 50, perIp: 500 } },
    });
    ({ stack, sink, portal } = mailing);
    await stack.seedAccount({ name: 'Carol & Co', email: REGISTERED, customerNumber: '100003' });
  });
  afterAll(() => mailing.close());
  afterEach(async () => {
    await stack.broker.deliverMail();
    await pendingAssociationModel(stack.db).deleteMany({});
    // Each test starts with the whole hourly allowance: the rate-limit counters of this stack are dropped.
    const redis = new Redis(stack.config.redis.url ?? '');
    try {
      const keys = await redis.keys(`${stack.config.redis.keyPrefix}rl:*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });

  async function mailsSent(): Promise<number> {
    const before = sink.received.length;
    await stack.broker.deliverMail();
    return sink.received.length - before;
  }

  async function thankYou(browser: TestBrowser, address = REGISTERED): Promise<Page> {
    const { callback } = await signIn(browser, portal, carol);
    return browser.submit(callback, '/associate', { email: address });
  }

  /** Makes the newest e-mail look older than the short wait before a resend. */
  async function letAMinutePass(): Promise<void> {
    await pendingAssociationModel(stack.db).updateMany({}, { $set: { createdAt: new Date(Date.now() - 120_000) } });
  }

  it('is a page of its own (POST-redirect-GET): reloading it sends no second e-mail', async () => {
    const browser = new TestBrowser();
    const thanks = await thankYou(browser);
    expect(headingOf(thanks.html)).toBe('Thank you');
    expect(new URL(thanks.url).pathname).toMatch(/^\/interaction\/[^/]+\/sent$/);
    expect(await mailsSent()).toBe(1);

    for (let i = 0; i < 6; i += 1) {
      const reloaded = await browser.navigate(thanks.url);
      expect(headingOf(reloaded.html)).toBe('Thank you');
    }
    expect(await mailsSent()).toBe(0);
    expect(await pendingAssociationModel(stack.db).countDocuments({})).toBe(1);
  });

  it('says which address was mailed (masked), how long the link works, to check spam, and what to do next', async () => {
    const thanks = await thankYou(new TestBrowser());
    const text = textContent(thanks.html);
    expect(textOf(thanks.html, 'sent-to')).toBe(
      'If o***@carol-and-co.example is registered on a customer account, an e-mail with a link is on its way to it.',
    );
    expect(text).not.toContain(REGISTERED);
    expect(textOf(thanks.html, 'lifetime')).toBe('The link works for 1 hour.');
    expect(text).toContain('Please also check your spam or junk folder.');
    expect(text).toContain("Didn't get the e-mail?");
    expect(text).toContain('Write to help@broker.example.');
    expect(formsOf(thanks.html).some((f) => f.action.endsWith('/resend'))).toBe(true);
    expect(thanks.html).toMatch(/<a href="\/interaction\/[^/"]+\/associate">Use another address<\/a>/);
  });

  it('reads the same for an unknown address, apart from the address typed', async () => {
    const known = await thankYou(new TestBrowser());
    await pendingAssociationModel(stack.db).deleteMany({});
    const unknown = await thankYou(new TestBrowser(), 'nobody@unknown.example');
    expect(textContent(unknown.html).replace('n***@unknown.example', 'o***@carol-and-co.example')).toBe(
      textContent(known.html),
    );
  });

  async function resend(browser: TestBrowser, page: Page): Promise<Page> {
    return browser.submit(page, '/resend');
  }

  it('sends again only after a short wait and within the limits; the limit message only when nothing was sent', async () => {
    const browser = new TestBrowser();
    const thanks = await thankYou(browser);
    expect(await mailsSent()).toBe(1);

    const tooSoon = await resend(browser, thanks);
    expect(textOf(tooSoon.html, 'notice')).toBe(
      'Nothing was sent: the last e-mail went out less than a minute ago. Please wait a moment and check your inbox.',
    );
    expect(await mailsSent()).toBe(0);

    await letAMinutePass();
    const again = await resend(browser, tooSoon);
    expect(headingOf(again.html)).toBe('Thank you');
    expect(textOf(again.html, 'notice')).toBe(
      'We have sent the e-mail again. Only the link in the newest e-mail works.',
    );
    expect(await mailsSent()).toBe(1);
    // Reloading the confirmation of a resend sends nothing either.
    await browser.navigate(again.url);
    expect(await mailsSent()).toBe(0);

    // The identity's allowance (2 an hour) is spent: refused, nothing sent, and the page says the link still works.
    await letAMinutePass();
    const refused = await resend(browser, again);
    expect(headingOf(refused.html)).toBe('Thank you');
    expect(textOf(refused.html, 'notice')).toBe(
      'Nothing was sent: there have been too many requests in the last hour. The link in the e-mail you already have still works.',
    );
    expect(await mailsSent()).toBe(0);
    expect(await pendingAssociationModel(stack.db).countDocuments({ status: 'pending' })).toBe(1);
  });

  it('offers another address: the form again, for the same sign-in', async () => {
    const browser = new TestBrowser();
    const thanks = await thankYou(browser);
    const form = await browser.submitLink(thanks, 'Use another address');
    expect(headingOf(form.html)).toBe('Associate your account');
    const other = await browser.submit(form, '/associate', { email: 'someone@carol-and-co.example' });
    expect(textOf(other.html, 'sent-to')).toContain('s***@carol-and-co.example');
  });
});
