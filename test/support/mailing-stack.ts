import type { DemoUser } from '../parties/demo-upstream.ts';
import type { TestBrowser } from './browser.ts';
import { TestPortal, signIn } from './portal.ts';
import { linkIn, mailOf, startSendGridSink, type SendGridSink, type SentMail } from './sendgrid-sink.ts';
import { startStack, type ConfigOverrides, type Stack, type StackStores } from './stack.ts';

const API_KEY = 'SG.test-key';

/** A stack that really sends its e-mails (SendGrid's API, to a sink on loopback), with CustomerSource discovered. */
export interface MailingStack {
  stack: Stack;
  sink: SendGridSink;
  portal: TestPortal;
  /** Runs the outbox now; the e-mails the sink received meanwhile. */
  sentMail(): Promise<SentMail[]>;
  /** Signs `user` in through CustomerSource in `browser`, asks for the association of `address`, returns the link. */
  requestLink(browser: TestBrowser, user: DemoUser, address: string): Promise<string>;
  close(): Promise<void>;
}

export async function startMailingStack(
  configOverrides: ConfigOverrides = {},
  stores: StackStores = {},
): Promise<MailingStack> {
  const sink = await startSendGridSink({ apiKey: API_KEY });
  const stack = await startStack(
    (urls) => ({
      mail: {
        from: { email: 'accounts@broker.example', name: 'Customer Accounts' },
        support: 'help@broker.example',
        transport: 'sendgrid',
        sendgrid: { apiKey: API_KEY, baseUrl: sink.url },
      },
      ...(typeof configOverrides === 'function' ? configOverrides(urls) : configOverrides),
    }),
    stores,
  );
  const portal = await TestPortal.discover(stack);
  const sentMail = async () => {
    const before = sink.received.length;
    await stack.broker.deliverMail();
    return sink.received.slice(before).map(mailOf);
  };
  return {
    stack,
    sink,
    portal,
    sentMail,
    async requestLink(browser, user, address) {
      const { callback } = await signIn(browser, portal, user);
      await browser.submit(callback, '/associate', { email: address });
      const mail = (await sentMail()).find((m) => m.to === address);
      if (!mail) throw new Error(`no e-mail to ${address}`);
      return linkIn(mail);
    },
    async close() {
      await stack.close();
      await sink.close();
    },
  };
}
