import { pendingAssociationModel } from '../../src/linking/pending-association-model.ts';
import { TestBrowser, headingOf } from '../support/browser.ts';
import { TestPortal, signIn } from '../support/portal.ts';
import { startSendGridSink, type SendGridSink } from '../support/sendgrid-sink.ts';
import { demoUser, startStack, type Stack } from '../support/stack.ts';
import { recentAudit, recentOutbox } from '../support/records.ts';

const carol = demoUser('carol');
const REGISTERED = 'office@carol-and-co.example';
const MINUTE = 60_000;

async function withStack(sink: SendGridSink, run: (stack: Stack) => Promise<void>): Promise<void> {
  const stack = await startStack({
    mail: {
      from: { email: 'accounts@broker.example', name: 'Customer Accounts' },
      support: 'help@broker.example',
      transport: 'sendgrid',
      sendgrid: { apiKey: 'SG.test-key', baseUrl: sink.url },
      retry: { maxAttempts: 3, initialDelay: '1m' },
    },
  });
  try {
    await stack.seedAccount({ name: 'Carol & Co', email: REGISTERED, customerNumber: '100003' });
    const browser = new TestBrowser();
    const { callback } = await signIn(browser, await TestPortal.discover(stack), carol);
    const thanks = await browser.submit(callback, '/associate', { email: REGISTERED });
    expect(headingOf(thanks.html)).toBe('Thank you');
    await run(stack);
  } finally {
    await stack.close();
  }
}

describe('the association e-mail when SendGrid fails', () => {
  it('is retried with backoff after failures and delivered once; nothing is lost', async () => {
    const sink = await startSendGridSink({ apiKey: 'SG.test-key', failFirst: 2 });
    try {
      await withStack(sink, async (stack) => {
        const start = Date.now();
        expect(await stack.broker.deliverMail(new Date(start))).toBe(0);
        // Not due again before its backoff has passed.
        expect(await stack.broker.deliverMail(new Date(start + 30_000))).toBe(0);
        expect(await stack.broker.deliverMail(new Date(start + 2 * MINUTE))).toBe(0);
        expect(await stack.broker.deliverMail(new Date(start + 10 * MINUTE))).toBe(1);
        expect(sink.received).toHaveLength(1);
        const [message] = await recentOutbox(stack.db, 1);
        expect(message).toMatchObject({ status: 'sent', attempts: 3, to: REGISTERED });
        expect(message?.providerMessageId).toBeTruthy();
      });
    } finally {
      await sink.close();
    }
  });

  it('ends failed and audited when SendGrid stays down, and the pending association is kept', async () => {
    const sink = await startSendGridSink({ apiKey: 'SG.test-key' });
    await sink.close();
    await withStack(sink, async (stack) => {
      const start = Date.now();
      for (let minutes = 0; minutes <= 60; minutes += 10)
        await stack.broker.deliverMail(new Date(start + minutes * MINUTE));
      const [message] = await recentOutbox(stack.db, 1);
      expect(message).toMatchObject({ status: 'failed', attempts: 3 });
      const [failed] = await recentAudit(stack.db, { type: 'mail.failed' });
      expect(failed?.reason).toBe('association-link');
      const pending = await pendingAssociationModel(stack.db).findOne({ subject: carol.sub }).lean();
      expect(pending).toMatchObject({ status: 'pending' });
      expect(pending?.contactIds).toHaveLength(1);
    });
  });
});
