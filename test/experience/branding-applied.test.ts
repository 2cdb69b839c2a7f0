import { TestBrowser, textContent } from '../support/browser.ts';
import { TestPortal, signIn } from '../support/portal.ts';
import { startSendGridSink, mailOf, type SendGridSink } from '../support/sendgrid-sink.ts';
import { demoUser, startStack, type Stack } from '../support/stack.ts';

const BRAND = {
  companyName: 'Contoso Software',
  logoUrl: 'https://cdn.contoso.example/logo.svg',
  primaryColor: '#1a5e9a',
  privacyUrl: 'https://www.contoso.example/privacy',
};

describe('the company brand configured once', () => {
  let sink: SendGridSink;
  let stack: Stack;

  beforeAll(async () => {
    sink = await startSendGridSink({ apiKey: 'SG.brand' });
    stack = await startStack({
      branding: BRAND,
      mail: {
        from: { email: 'accounts@contoso.example', name: 'Contoso' },
        support: 'help@contoso.example',
        transport: 'sendgrid',
        sendgrid: { apiKey: 'SG.brand', baseUrl: sink.url },
      },
    });
    await stack.seedAccount({ name: 'Carol & Co', email: 'office@carol.example', customerNumber: '100003' });
  });
  afterAll(async () => {
    await stack.close();
    await sink.close();
  });

  it('shows on the pages: company, logo (allowed by the CSP, from its own origin only), footer link and colour', async () => {
    const { callback } = await signIn(new TestBrowser(), await TestPortal.discover(stack), demoUser('carol'));
    expect(textContent(callback.html)).toContain('Sign-in service of Contoso Software');
    expect(callback.html).toContain(`src="${BRAND.logoUrl}"`);
    expect(callback.html).toContain(`href="${BRAND.privacyUrl}"`);
    const csp = callback.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/img-src 'self' data: https:\/\/cdn\.contoso\.example(;|$)/);
    const css = await (await fetch(`${stack.brokerUrl}/assets/broker.css`)).text();
    expect(css).toContain(':root { --accent: #1a5e9a; }');
  });

  it('shows in the e-mails: the company in the footer and the brand colour on the button', async () => {
    const browser = new TestBrowser();
    const { callback } = await signIn(browser, await TestPortal.discover(stack), demoUser('carol'));
    await browser.submit(callback, '/associate', { email: 'office@carol.example' });
    const before = sink.received.length;
    await stack.broker.deliverMail();
    const [mail] = sink.received.slice(before).map(mailOf);
    expect(mail?.html).toContain('background: #1a5e9a');
    expect(textContent(mail?.html ?? '')).toContain('Contoso Software');
  });
});
