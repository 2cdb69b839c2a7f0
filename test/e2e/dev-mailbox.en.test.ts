import type { Browser } from 'playwright-core';
import { demoBranding } from '../parties/demo-branding.ts';
import { TestBrowser } from '../support/browser.ts';
import { signIn, TestPortal } from '../support/portal.ts';
import { demoUser, startStack, type Stack } from '../support/stack.ts';
import { launchChromium } from './support/chromium.ts';
import { expectHeading } from './support/steps.ts';

// The development mailbox (transport `dev`) shows an e-mail as a mail client would: its own inline styles apply,
// so the link is a button in the brand's colour, while the mailbox page itself keeps its strict policy. The page is
// English only, so only the English run (E2E_LOCALE=en) picks this file up: see `*.en.test.ts` in jest.config.js.

const carol = demoUser('carol');
const REGISTERED = 'office@carol-and-co.example';

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  stack = await startStack({ branding: demoBranding('http://127.0.0.1:9') });
  browser = await launchChromium();
  await stack.seedAccount({ name: 'Carol & Co', email: REGISTERED, customerNumber: '100003' });
  // Carol asks for the association over plain HTTP; the dev transport "delivers" the e-mail into the mailbox.
  const testBrowser = new TestBrowser();
  const { callback } = await signIn(testBrowser, await TestPortal.discover(stack), carol);
  await testBrowser.submit(callback, '/associate', { email: REGISTERED });
  await stack.broker.deliverMail();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

it("shows the e-mail with its own styles in a sandboxed frame: the link is a button in the brand's colour", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const refused: string[] = [];
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) refused.push(message.text());
  });
  try {
    await page.goto(`${stack.brokerUrl}/dev/mailbox`);
    await page.getByRole('link', { name: 'Associate your sign-in with your customer account' }).click();
    await expectHeading(page, 'Associate your sign-in with your customer account');

    const frame = page.frameLocator('iframe.mail-body');
    const button = frame.getByRole('link', { name: 'Associate my sign-in' });
    const style = await button.evaluate((element) => {
      const { getComputedStyle } = globalThis as unknown as { getComputedStyle(el: unknown): Record<string, string> };
      const computed = getComputedStyle(element);
      return {
        display: computed.display,
        backgroundColor: computed.backgroundColor,
        color: computed.color,
        paddingLeft: computed.paddingLeft,
        textDecorationLine: computed.textDecorationLine,
      };
    });
    // #1a5e9a, white text, padded, no underline: the e-mail's inline style applied, as a mail client shows it.
    expect(style).toEqual({
      display: 'inline-block',
      backgroundColor: 'rgb(26, 94, 154)',
      color: 'rgb(255, 255, 255)',
      paddingLeft: '20px',
      textDecorationLine: 'none',
    });
    // Nothing was refused on the way: the page frames only its own message, the message styles only itself.
    expect(refused).toEqual([]);
    // The page itself still allows no inline style and no script.
    const response = await page.request.get(page.url());
    const policy = response.headers()['content-security-policy'] ?? '';
    expect(policy).not.toMatch(/unsafe-inline|script-src/);

    // Its link opens the broker's page in the tab, as a link in an e-mail would.
    await button.click();
    await expectHeading(page, 'Confirm the association');
    expect(new URL(page.url()).pathname).toBe('/link');
  } finally {
    await context.close();
  }
}, 60_000);
