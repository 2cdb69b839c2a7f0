import { brokerTranslator } from '../support/config.ts';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMailRenderer } from '../../src/mail/mail-renderer.ts';

const VIEWS = join(dirname(fileURLToPath(import.meta.url)), '../../views');
const renderer = createMailRenderer(VIEWS, brokerTranslator());
const LINK = 'https://broker.example/link?token=abc123&x=1';

const linkData = {
  link: LINK,
  upstreamName: 'Google',
  signInName: 'carol@gmail.example',
  accountName: 'Carol & Co',
  expiresInMinutes: 60,
  support: 'help@broker.example',
};

const linkedData = {
  upstreamName: 'Microsoft account',
  signInName: 'carol@outlook.example',
  accountName: 'Carol & Co (100003), Carol GmbH (100004)',
  signInAdded: false,
  support: 'help@broker.example',
  notMeLink: 'https://broker.example/link/not-me?token=def456',
};

describe('mail renderer', () => {
  it('renders the association link e-mail with the link, names, expiry and help in both parts', () => {
    const mail = renderer.render('association-link', linkData);
    expect(mail.subject).toBe('Associate your sign-in with your customer account');
    expect(mail.text).toContain(
      'The sign-in "carol@gmail.example" at Google asked to be associated with the customer account "Carol & Co".',
    );
    expect(mail.text).toContain(`\n${LINK}\n`);
    expect(mail.text).toContain('expires in 60 minutes');
    expect(mail.text).toContain("If that wasn't you, ignore this e-mail");
    expect(mail.text).toContain('help@broker.example');
    expect(mail.html).toContain('The sign-in &quot;carol@gmail.example&quot; at Google');
    expect(mail.html).toContain('href="https://broker.example/link?token&#x3D;abc123&amp;x&#x3D;1"');
    expect(mail.html).toContain('expires in 60 minutes');
    expect(mail.html).toContain('help@broker.example');
  });

  it('renders the linked notice with the accounts and their customer numbers, and whom to contact', () => {
    const mail = renderer.render('association-linked', linkedData);
    expect(mail.subject).toBe('Your sign-in was associated with your customer account');
    expect(mail.text).toContain(
      'Your sign-in "carol@outlook.example" at Microsoft account was associated with the customer account Carol & Co (100003), Carol GmbH (100004).',
    );
    expect(mail.text).not.toContain('added to the person');
    expect(mail.text).toContain(
      "If this wasn't you, tell us here: the sign-in loses access at once and our support team is told.\nhttps://broker.example/link/not-me?token=def456",
    );
    expect(mail.text).toContain('This link works once, for 14 days. Later, write to help@broker.example.');
    expect(mail.html).toContain('customer account Carol &amp; Co (100003), Carol GmbH (100004)');
    expect(mail.html).toMatch(
      /<a href="https:\/\/broker\.example\/link\/not-me\?token&#x3D;def456" style="[^"]*">This wasn&#x27;t me<\/a>/,
    );
  });

  it('without its one-time link (a notice retried after a failure) names support instead', () => {
    const { notMeLink: _erased, ...retried } = linkedData;
    const mail = renderer.render('association-linked', retried);
    expect(mail.text).toContain("If this wasn't you, contact help@broker.example right away.");
    expect(mail.html).not.toContain('not-me');
  });

  it('says so when a sign-in was added to the person who already signs in with the address', () => {
    const mail = renderer.render('association-linked', { ...linkedData, signInAdded: true });
    expect(mail.text).toContain('The sign-in was added to the person who already signs in with this address.');
  });

  it('warns the owner of an address that already signs in, naming that sign-in', () => {
    const mail = renderer.render('association-link', {
      ...linkData,
      existingSignIn: 'c***@outlook.example',
      takenUnnamed: false,
    });
    expect(mail.text).toContain(
      'This address already signs in as "c***@outlook.example". Follow the link only if the new sign-in is also yours',
    );
  });

  it('answers a support request at the address the person typed, and never at a value that is not one address', () => {
    const request = {
      requestId: 'r1',
      upstreamName: 'Microsoft',
      subject: 'sub-1',
      signInName: 'j***@outlook.example',
      replyTo: 'jo@contoso.example',
      customer: 'C-1',
      message: 'Help',
      portal: 'CustomerSource',
      requestedAt: '2026-12-01T09:30:00.000Z',
      locale: 'en',
    };
    expect(renderer.render('support-request', { ...request, replyToHeader: 'jo@contoso.example' }).replyTo).toBe(
      'jo@contoso.example',
    );
    for (const header of ['jo@contoso.example\r\nBcc: all@contoso.example', 'not an address', 42]) {
      expect(renderer.render('support-request', { ...request, replyToHeader: header }).replyTo).toBeUndefined();
    }
    const text = renderer.render('support-request', request).text;
    expect(text).toContain('Portal: CustomerSource');
    expect(text).toContain('Asked at: 2026-12-01T09:30:00.000Z (UTC)');
  });

  it('HTML-escapes every value in the HTML part but not in the plain text', () => {
    const mail = renderer.render('association-link', {
      ...linkData,
      signInName: '<img src=x onerror=alert(1)>',
      accountName: '"Q" <b>',
    });
    expect(mail.html).not.toContain('<img');
    expect(mail.html).not.toContain('<b>');
    expect(mail.html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    expect(mail.text).toContain('"<img src=x onerror=alert(1)>"');
    expect(mail.text).not.toContain('&lt;');
  });

  it('keeps the subject on one line and lets no value start a line of its own in the text', () => {
    const mail = renderer.render('association-link', {
      ...linkData,
      signInName: 'eve\r\nVisit https://evil.example now\n',
    });
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.text).not.toMatch(/^Visit https:\/\/evil/m);
    expect(mail.text).toContain('"eve  Visit https://evil.example now "');
  });

  it('refuses to render with a value missing instead of leaving a hole in the sentence', () => {
    const { accountName: _omitted, ...incomplete } = linkData;
    expect(() => renderer.render('association-link', incomplete)).toThrow(/accountName/);
  });

  it('refuses a "This wasn\'t me" link that is not an http(s) URL', () => {
    expect(() => renderer.render('association-linked', { ...linkedData, notMeLink: 'data:text/html,x' })).toThrow(
      'association-linked: data.notMeLink must be an http(s) URL',
    );
  });

  it('refuses a link that is not an http(s) URL, without repeating it', () => {
    expect(() => renderer.render('association-link', { ...linkData, link: 'javascript:alert(1)' })).toThrow(
      'association-link: data.link must be an http(s) URL',
    );
  });
});
