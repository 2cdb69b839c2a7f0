import { createHash } from 'node:crypto';
import { membershipModel } from '../../src/accounts/membership-model.ts';
import { supportRequestModel } from '../../src/support-requests/support-request-model.ts';
import { pendingAssociationModel } from '../../src/linking/pending-association-model.ts';
import { TestBrowser, headingOf, textContent, type Page } from '../support/browser.ts';
import { startMailingStack, type MailingStack } from '../support/mailing-stack.ts';
import { loginUpstream, signIn, type TestPortal } from '../support/portal.ts';
import { recentAudit, recentOutbox } from '../support/records.ts';
import { linkIn, type SentMail } from '../support/sendgrid-sink.ts';
import { demoUser, type Stack } from '../support/stack.ts';

const carol = demoUser('carol');
const REGISTERED = 'office@carol-and-co.example';

/** The "This wasn't me" link a notice after linking carries. */
function notMeLinkIn(mail: SentMail): string {
  const match = /(http:\/\/(?:127\.0\.0\.1|localhost):\d+\/link\/not-me\?token=[A-Za-z0-9_-]{43})/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no "This wasn't me" link in:\n${mail.text}`);
  return match[1];
}

describe('"This wasn\'t me" on the notice after a sign-in was associated', () => {
  let mailing: MailingStack;
  let stack: Stack;
  let portal: TestPortal;

  beforeAll(async () => {
    mailing = await startMailingStack();
    ({ stack, portal } = mailing);
    await stack.seedAccount({ name: 'Carol & Co', email: REGISTERED, customerNumber: '100003' });
  });
  afterAll(() => mailing.close());

  /** Carol associates her sign-in and reaches the portal with tokens; returns her browser, the tokens and the notice. */
  async function associatedAndSignedIn() {
    const browser = new TestBrowser();
    const { attempt, callback } = await signIn(browser, portal, carol);
    await browser.submit(callback, '/associate', { email: REGISTERED });
    const link = linkIn((await mailing.sentMail()).find((m) => m.to === REGISTERED)!);
    const confirm = await browser.navigate(link);
    const success = await loginUpstream(
      browser,
      await browser.submit(confirm, '/link/confirm'),
      carol,
      portal.redirectUri,
    );
    expect(headingOf(success.html)).toBe('Your sign-in is associated');
    const atPortal = await browser.submitLink(success, 'Continue', portal.redirectUri);
    const tokens = await portal.exchange(atPortal.url, attempt);
    const notice = (await mailing.sentMail()).find(
      (m) => m.to === REGISTERED && m.subject === 'Your sign-in was associated with your customer account',
    );
    if (!notice) throw new Error('no notice after linking');
    return { browser, accessToken: tokens.access_token, notice };
  }

  const userinfo = (accessToken: string) =>
    fetch(portal.configuration.serverMetadata().userinfo_endpoint ?? '', {
      headers: { authorization: `Bearer ${accessToken}` },
    });

  it('asks first, then undoes the association, ends its sessions and tokens, and opens a support request with the sign-in', async () => {
    const carolsBrowser = await associatedAndSignedIn();
    expect((await userinfo(carolsBrowser.accessToken)).status).toBe(200);
    const link = notMeLinkIn(carolsBrowser.notice);
    expect(carolsBrowser.notice.html).toContain('This wasn&#x27;t me');

    // The owner of the registered address, in their own browser: opening the link changes nothing (scanners open links).
    const owner = new TestBrowser();
    const ask = await owner.navigate(link);
    expect(ask.status).toBe(200);
    expect(headingOf(ask.html)).toBe("Wasn't this you?");
    expect(textContent(ask.html)).toContain('was associated with the customer account Carol & Co (100003)');
    expect(textContent(ask.html)).toContain('Remove this sign-in');
    expect((await userinfo(carolsBrowser.accessToken)).status).toBe(200);
    expect(await membershipModel(stack.db).countDocuments({})).toBe(1);

    // Without the form's CSRF token nothing happens.
    const forged = await new TestBrowser().navigate(link.replace(/\?.*$/, ''), {
      method: 'POST',
      form: { token: new URL(link).searchParams.get('token') ?? '' },
    });
    expect(forged.status).toBe(403);
    expect(await membershipModel(stack.db).countDocuments({})).toBe(1);

    const done = await owner.submit(ask, '/link/not-me');
    expect(done.status).toBe(200);
    expect(headingOf(done.html)).toBe('The sign-in was removed');
    expect(textContent(done.html)).toContain(
      'no longer has access to Carol & Co (100003), and it has been signed out of every portal',
    );
    expect(textContent(done.html)).toContain('Our support team has been told');

    // The association is undone and its tokens are dead.
    expect(await membershipModel(stack.db).countDocuments({})).toBe(0);
    expect((await userinfo(carolsBrowser.accessToken)).status).toBe(401);
    expect(await pendingAssociationModel(stack.db).countDocuments({ status: 'disowned' })).toBe(1);
    // Carol's broker session is gone: the portal's next sign-in does not pass by SSO but meets the association page.
    const attempt = await portal.authorizationRequest();
    const again = await carolsBrowser.browser.navigate(attempt.url.href, {}, portal.redirectUri);
    expect(again.url.startsWith(portal.redirectUri)).toBe(false);
    const afterLogin = again.html.includes('/login')
      ? await loginUpstream(carolsBrowser.browser, again, carol, portal.redirectUri)
      : again;
    expect(headingOf(afterLogin.html)).toBe('Associate your account');

    // Support has a request with the sign-in attached, and an e-mail; the audit says what happened.
    const requests = await supportRequestModel(stack.db).find({}).lean().exec();
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      status: 'open',
      upstreamId: 'demo',
      subject: carol.sub,
      replyTo: REGISTERED,
      customer: 'Carol & Co (100003)',
    });
    expect(requests[0]?.message).toContain("This wasn't me");
    const toSupport = (await mailing.sentMail()).filter((m) => m.to === 'help@broker.example');
    expect(toSupport).toHaveLength(1);
    expect(toSupport[0]?.text).toContain(carol.sub);
    const [disowned] = await recentAudit(stack.db, { type: 'association.disowned' });
    expect(disowned).toMatchObject({ subject: carol.sub, reason: 'disowned-by-recipient' });
    expect(disowned?.detail).toMatchObject({ supportRequestId: requests[0]?._id.toHexString(), sessionsEnded: 1 });

    // The link worked once: opening or submitting it again shows what was done, and opens no second request.
    const reopened = await owner.navigate(link);
    expect(headingOf(reopened.html)).toBe('The sign-in was removed');
    const resubmitted = await owner.submit(ask, '/link/not-me');
    expect(headingOf(resubmitted.html)).toBe('The sign-in was removed');
    expect(await supportRequestModel(stack.db).countDocuments({})).toBe(1);
  });

  it('keeps only the hash of the token; a wrong, incomplete or expired link explains itself and offers support', async () => {
    const { notice } = await associatedAndSignedIn();
    const link = notMeLinkIn(notice);
    const token = new URL(link).searchParams.get('token') ?? '';
    const hash = createHash('sha256').update(token).digest('hex');
    const stored = await stack.db.collection('disownlinks').findOne({ _id: hash as never });
    expect(stored).not.toBeNull();
    const everything = JSON.stringify([
      await stack.db.collection('disownlinks').find().toArray(),
      await recentOutbox(stack.db),
      await recentAudit(stack.db),
    ]);
    expect(everything).not.toContain(token);

    const browser = new TestBrowser();
    const wrong = await browser.navigate(
      link.replace(token, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`),
    );
    expect(wrong.status).toBe(404);
    expect(headingOf(wrong.html)).toBe('This link is not valid');
    expect(textContent(wrong.html)).toContain('write to help@broker.example');
    const incomplete = await browser.navigate(link.slice(0, -5));
    expect(incomplete.status).toBe(404);

    await stack.db
      .collection('disownlinks')
      .updateOne({ _id: hash as never }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const expired: Page = await browser.navigate(link);
    expect(expired.status).toBe(410);
    expect(headingOf(expired.html)).toBe('This link has expired');
    expect(await membershipModel(stack.db).countDocuments({})).toBe(1);
  });
});
