import { createSendGridTransport } from '../../src/mail/sendgrid-transport.ts';
import { startSendGridSink, type SendGridSink } from '../support/sendgrid-sink.ts';

const API_KEY = 'SG.transport-test-key-0123456789';
const mail = {
  to: 'carol@carol-and-co.example',
  from: { email: 'accounts@broker.example', name: 'Customer Accounts' },
  subject: 'Associate your sign-in with your customer account',
  html: '<p>Open <a href="https://broker.example/link?token=t">the link</a></p>',
  text: 'Open https://broker.example/link?token=t\n',
};

interface MailSendBody {
  personalizations: { to: { email: string }[] }[];
  from: { email: string; name: string };
  subject: string;
  content: { type: string; value: string }[];
  tracking_settings?: { click_tracking?: { enable?: boolean } };
}

describe('SendGrid transport', () => {
  let sink: SendGridSink;
  beforeEach(async () => {
    sink = await startSendGridSink({ apiKey: API_KEY });
  });
  afterEach(() => sink.close());

  it('posts the e-mail to /v3/mail/send at the configured base URL and returns the X-Message-Id', async () => {
    const transport = createSendGridTransport({ apiKey: API_KEY, baseUrl: sink.url });
    const { providerMessageId } = await transport.send(mail);
    expect(providerMessageId).toMatch(/^sink-1-/);
    const body = sink.received[0] as MailSendBody;
    expect(body.personalizations[0]?.to).toEqual([{ email: mail.to }]);
    expect(body.from).toEqual(mail.from);
    expect(body.subject).toBe(mail.subject);
    expect(body.content).toEqual([
      { type: 'text/plain', value: mail.text },
      { type: 'text/html', value: mail.html },
    ]);
  });

  it('turns click tracking off so the one-time link is not rewritten through a redirect host', async () => {
    await createSendGridTransport({ apiKey: API_KEY, baseUrl: sink.url }).send(mail);
    expect((sink.received[0] as MailSendBody).tracking_settings?.click_tracking?.enable).toBe(false);
  });

  it('reports a refusal with the HTTP status and SendGrid reason, never the API key', async () => {
    const wrongKey = 'SG.wrong-key-must-not-leak-42';
    const transport = createSendGridTransport({ apiKey: wrongKey, baseUrl: sink.url });
    const error = await transport.send(mail).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toBe(
      'SendGrid answered HTTP 401: The provided authorization grant is invalid, expired, or revoked',
    );
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(wrongKey);
    expect(error?.cause).toBeUndefined();
  });

  it('reports an unreachable SendGrid without the API key', async () => {
    const closed = await startSendGridSink({ apiKey: API_KEY });
    await closed.close();
    const transport = createSendGridTransport({ apiKey: API_KEY, baseUrl: closed.url, timeoutMs: 2_000 });
    const error = await transport.send(mail).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toBe('SendGrid could not be reached: ECONNREFUSED');
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(API_KEY);
  });
});
