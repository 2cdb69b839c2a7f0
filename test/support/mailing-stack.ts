import { TestPortal } from './portal.ts';
import { mailOf, startSendGridSink, type SendGridSink, type SentMail } from './sendgrid-sink.ts';
import { startStack, type Stack } from './stack.ts';

const API_KEY = 'SG.test-key';

/** A stack that really sends its e-mails (SendGrid's API, to a sink on loopback), with CustomerSource discovered. */
export interface MailingStack {
  stack: Stack;
  sink: SendGridSink;
  portal: TestPortal;
  /** Runs the outbox now; the e-mails the sink received meanwhile. */
  sentMail(): Promise<SentMail[]>;
  close(): Promise<void>;
}

export async function startMailingStack(configOverrides: Record<string, unknown> = {}): Promise<MailingStack> {
  const sink = await startSendGridSink({ apiKey: API_KEY });
  const stack = await startStack({
    mail: {
      from: { email: 'accounts@broker.example', name: 'Customer Accounts' },
      support: 'help@broker.example',
      transport: 'sendgrid',
      sendgrid: { apiKey: API_KEY, baseUrl: sink.url },
    },
    ...configOverrides,
  });
  return {
    stack,
    sink,
    portal: await TestPortal.discover(stack),
    async sentMail() {
      const before = sink.received.length;
      await stack.broker.deliverMail();
      return sink.received.slice(before).map(mailOf);
    },
    async close() {
      await stack.close();
      await sink.close();
    },
  };
}
