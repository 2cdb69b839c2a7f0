import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Types } from 'mongoose';
import { stringify } from 'yaml';
import { contactModel } from '../../src/accounts/contact-model.ts';
import { identityModel } from '../../src/accounts/identity-model.ts';
import { membershipModel } from '../../src/accounts/membership-model.ts';
import { pendingAssociationModel } from '../../src/linking/pending-association-model.ts';
import { ADMIN_CLIENT, ADMIN_CONFIG, accessToken, adminApi } from '../admin/support/admin-client.ts';
import type { DemoUser } from '../parties/demo-upstream.ts';
import { TestBrowser, headingOf, textContent, type Page } from '../support/browser.ts';
import { baseConfigDocument } from '../support/config.ts';
import { startMailingStack, type MailingStack } from '../support/mailing-stack.ts';
import { loginUpstream, signIn, type AuthorizationAttempt } from '../support/portal.ts';
import { linkIn, type SentMail } from '../support/sendgrid-sink.ts';

// Issue 22: a change the broker makes is seen by its very next sign-in, in the process that made it and in another
// one behind the same address, with no wait and no clock step; and one made by `npm run accounts` too. The whole
// matrix runs with the people cache on (accountCacheTtl 5 s, far longer than the test takes) and off (0 s), so that
// it tests what a person sees, not the cache. Each case first signs in at the process that will be asked afterwards,
// so that a cache there holds the state from before the change.

const root = fileURLToPath(new URL('../../', import.meta.url));
const ASSOCIATE = 'Associate your account';
const CHOOSE = 'Sign in to CustomerSource for:';
const HERE = 0;
const THERE = 1;

/** People of Demo ID: one or two fresh ones per case, so that no case sees another's links or sessions. */
const USERS: DemoUser[] = Array.from({ length: 64 }, (_, i) => ({
  sub: `fresh-${i}`,
  email: `person${i}@example.net`,
  name: `Person ${i}`,
  password: 'demo',
}));

interface Arrival {
  page: Page;
  attempt: AuthorizationAttempt;
  /** The portal's callback was reached: a code was issued. */
  tokens: boolean;
}

function notMeLinkIn(mail: SentMail): string {
  const match = /(http:\/\/127\.0\.0\.1:\d+\/link\/not-me\?token=[A-Za-z0-9_-]{43})/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no "This wasn't me" link in:\n${mail.text}`);
  return match[1];
}

describe.each([
  ['on', '5s'],
  ['off', '0s'],
])('the next sign-in after a change, people cache %s', (_cache, accountCacheTtl) => {
  let mailing: MailingStack;
  let adminToken: string;
  let users = 0;
  let accounts = 0;
  let configFile: string;

  beforeAll(async () => {
    mailing = await startMailingStack(
      { accountCacheTtl, admin: ADMIN_CONFIG, linking: { limits: { perIdentity: 100, perAddress: 100, perIp: 2000 } } },
      { users: USERS },
    );
    await mailing.stack.addBrokerProcess();
    adminToken = await accessToken(mailing.stack, ADMIN_CLIENT);
    // The configuration `npm run accounts` reads: the broker's database and Redis (with its key prefix).
    configFile = join(mkdtempSync(join(tmpdir(), 'ib-fresh-')), 'broker.yaml');
    const { mongodb, redis } = mailing.stack.config;
    writeFileSync(
      configFile,
      stringify(
        baseConfigDocument({ mongodb: { uri: mongodb.uri }, redis: { url: redis.url, keyPrefix: redis.keyPrefix } }),
      ),
    );
  });
  afterAll(() => mailing.close());

  const nextUser = () => USERS[users++]!;
  const stack = () => mailing.stack;
  const answeredBy = (process: number) => stack().answer(process);

  async function account(plans: Array<{ type: string; expiresAt: Date }> = []) {
    accounts += 1;
    const name = `Fresh ${accounts} Ltd`;
    const email = `office${accounts}@fresh.example`;
    const id = await stack().seedAccount({ name, email, customerNumber: `F-${accounts}`, plans });
    return { id, name, email, customerNumber: `F-${accounts}` };
  }

  async function linked(user: DemoUser, plans: Array<{ type: string; expiresAt: Date }> = []) {
    const email = `billing+${user.sub}@example.com`;
    const id = await stack().seedLinkedAccount(user, { email, plans });
    return { id, name: `${user.name} Ltd`, email, customerNumber: undefined };
  }

  /** A sign-in through CustomerSource in a fresh browser, up to the portal or the broker page it stops at. */
  async function arrive(user: DemoUser, parameters: Record<string, string> = {}): Promise<Arrival> {
    const { attempt, callback } = await signIn(new TestBrowser(), mailing.portal, user, parameters);
    return { page: callback, attempt, tokens: callback.url.startsWith(mailing.portal.redirectUri) };
  }

  async function claimsOf(arrival: Arrival) {
    if (!arrival.tokens) throw new Error(`no code: ${headingOf(arrival.page.html)}\n${textContent(arrival.page.html)}`);
    return (await mailing.portal.exchange(arrival.page.url, arrival.attempt)).claims()!;
  }

  /** Follows an e-mailed association link in a fresh browser and confirms it with a fresh upstream sign-in. */
  async function confirm(user: DemoUser, link: string): Promise<void> {
    const browser = new TestBrowser();
    const confirmPage = await browser.navigate(link);
    const done = await loginUpstream(
      browser,
      await browser.submit(confirmPage, '/link/confirm'),
      user,
      mailing.portal.redirectUri,
    );
    expect(headingOf(done.html)).toBe('Your sign-in is associated');
  }

  async function associate(user: DemoUser, address: string): Promise<SentMail[]> {
    const link = await mailing.requestLink(new TestBrowser(), user, address);
    await confirm(user, link);
    return mailing.sentMail();
  }

  const identityOf = (user: DemoUser) => identityModel(stack().db).findOne({ subject: user.sub }).lean().exec();
  const contactIdOf = async (address: string) =>
    (await contactModel(stack().db).findOne({ email: address }).lean().exec())!._id.toHexString();
  const admin = (method: string, path: string, body?: unknown) => adminApi(stack(), adminToken, method, path, body);

  interface Case {
    /** Sets up what exists before, signs in once at `at` (filling its cache), and makes the change in process 0. */
    change(user: DemoUser, at: number): Promise<(arrival: Arrival, user: DemoUser) => Promise<void>>;
  }

  const CASES: Record<string, Case> = {
    'an association confirmed: tokens for the account': {
      async change(user, at) {
        const target = await account();
        answeredBy(at);
        expect(headingOf((await arrive(user)).page.html)).toBe(ASSOCIATE);
        answeredBy(HERE);
        await associate(user, target.email);
        return async (arrival) => expect((await claimsOf(arrival)).customer_number).toBe(target.customerNumber);
      },
    },
    'an account added from the account choice: the chooser lists it': {
      async change(user, at) {
        const first = await linked(user);
        const second = await account();
        answeredBy(at);
        expect((await claimsOf(await arrive(user))).account_name).toBe(first.name);
        answeredBy(HERE);
        // Signed in at the broker, the person asks the portal to choose again and adds another account from there.
        const browser = new TestBrowser();
        await signIn(browser, mailing.portal, user);
        const again = await mailing.portal.authorizationRequest({ prompt: 'select_account' });
        const chooser = await browser.navigate(again.url.href, {}, mailing.portal.redirectUri);
        expect(headingOf(chooser.html)).toBe(CHOOSE);
        const associatePage = await browser.submit(chooser, '/another-account');
        expect(headingOf(associatePage.html)).toBe(ASSOCIATE);
        await browser.submit(associatePage, '/associate', { email: second.email });
        const mail = (await mailing.sentMail()).find((m) => m.to === second.email);
        await confirm(user, linkIn(mail!));
        return async (arrival) => {
          expect(headingOf(arrival.page.html)).toBe(CHOOSE);
          expect(textContent(arrival.page.html)).toContain(first.name);
          expect(textContent(arrival.page.html)).toContain(second.name);
        };
      },
    },
    'an association cancelled by support, then its link followed: nothing granted': {
      async change(user, at) {
        const target = await account();
        answeredBy(HERE);
        const link = await mailing.requestLink(new TestBrowser(), user, target.email);
        answeredBy(at);
        expect(headingOf((await arrive(user)).page.html)).toBe(ASSOCIATE);
        answeredBy(HERE);
        const association = await pendingAssociationModel(stack().db)
          .findOne({ subject: user.sub, status: 'pending' })
          .lean()
          .exec();
        expect((await admin('POST', `/associations/${association!._id.toHexString()}/cancel`)).status).toBe(200);
        const followed = await new TestBrowser().navigate(link);
        expect(followed.status).toBe(410);
        return async (arrival) => expect(headingOf(arrival.page.html)).toBe(ASSOCIATE);
      },
    },
    'a sign-in added to a person: it signs in as that person': {
      async change(user, at) {
        const colleague = nextUser();
        const shared = await linked(colleague);
        answeredBy(at);
        expect(headingOf((await arrive(user)).page.html)).toBe(ASSOCIATE);
        answeredBy(HERE);
        await associate(user, shared.email);
        const colleagueSub = (await identityOf(colleague))!.personId.toHexString();
        return async (arrival) => expect((await claimsOf(arrival)).sub).toBe(colleagueSub);
      },
    },
    '"This wasn\'t me": the association page again': {
      async change(user, at) {
        const target = await account();
        answeredBy(HERE);
        const mails = await associate(user, target.email);
        answeredBy(at);
        expect((await claimsOf(await arrive(user))).customer_number).toBe(target.customerNumber);
        answeredBy(HERE);
        const owner = new TestBrowser();
        const notice = mails.find((m) => m.to === target.email && /not-me/.test(m.text));
        const ask = await owner.navigate(notMeLinkIn(notice!));
        expect(headingOf((await owner.submit(ask, '/link/not-me')).html)).toBe('The sign-in was removed');
        return async (arrival) => expect(headingOf(arrival.page.html)).toBe(ASSOCIATE);
      },
    },
    "support's link on behalf: tokens for the account": {
      async change(user, at) {
        const target = await account();
        answeredBy(at);
        expect(headingOf((await arrive(user)).page.html)).toBe(ASSOCIATE);
        answeredBy(HERE);
        const linkedNow = await admin('POST', `/contacts/${await contactIdOf(target.email)}/sign-ins`, {
          upstreamId: 'demo',
          subject: user.sub,
        });
        expect(linkedNow.status).toBeLessThan(300);
        return async (arrival) => expect((await claimsOf(arrival)).customer_number).toBe(target.customerNumber);
      },
    },
    'a membership removed: the account is gone': {
      async change(user, at) {
        const own = await linked(user);
        answeredBy(at);
        expect((await claimsOf(await arrive(user))).account_name).toBe(own.name);
        answeredBy(HERE);
        const membership = await membershipModel(stack().db)
          .findOne({ accountId: new Types.ObjectId(own.id) })
          .lean()
          .exec();
        expect((await admin('DELETE', `/memberships/${membership!._id.toHexString()}`)).status).toBe(204);
        return async (arrival) => expect(headingOf(arrival.page.html)).toBe(ASSOCIATE);
      },
    },
    'a sign-in removed: a stranger again': {
      async change(user, at) {
        await linked(user);
        answeredBy(at);
        expect((await arrive(user)).tokens).toBe(true);
        answeredBy(HERE);
        expect((await admin('DELETE', `/sign-ins/${(await identityOf(user))!._id.toHexString()}`)).status).toBe(204);
        return async (arrival) => expect(headingOf(arrival.page.html)).toBe(ASSOCIATE);
      },
    },
    'a plan added through the admin API: in the claims': {
      async change(user, at) {
        const own = await linked(user);
        answeredBy(at);
        expect((await claimsOf(await arrive(user))).plans).toEqual([]);
        answeredBy(HERE);
        const plans = [{ type: 'support', expiresAt: new Date(Date.now() + 86_400_000).toISOString() }];
        expect((await admin('PATCH', `/accounts/${own.id}`, { plans })).status).toBe(200);
        return async (arrival) => expect((await claimsOf(arrival)).plans).toEqual(['support']);
      },
    },
    'an account disabled: refused': {
      async change(user, at) {
        const own = await linked(user);
        answeredBy(at);
        expect((await arrive(user)).tokens).toBe(true);
        answeredBy(HERE);
        expect((await admin('PATCH', `/accounts/${own.id}`, { status: 'disabled' })).status).toBe(200);
        return async (arrival) => {
          expect(arrival.tokens).toBe(false);
          expect(textContent(arrival.page.html)).toContain(
            'The customer account associated with this sign-in is disabled',
          );
        };
      },
    },
    'a contact disabled: its membership no longer counts': {
      async change(user, at) {
        const own = await linked(user);
        answeredBy(at);
        expect((await arrive(user)).tokens).toBe(true);
        answeredBy(HERE);
        expect((await admin('PATCH', `/contacts/${await contactIdOf(own.email)}`, { status: 'disabled' })).status).toBe(
          200,
        );
        return async (arrival) => expect(headingOf(arrival.page.html)).toBe(ASSOCIATE);
      },
    },
    'a plan imported with npm run accounts (outside the broker): in the claims': {
      async change(user, at) {
        const own = await linked(user);
        const customerNumber = (await stack()
          .db.collection('accounts')
          .findOne({ _id: new Types.ObjectId(own.id) }))!.customerNumber as string;
        answeredBy(at);
        expect((await claimsOf(await arrive(user))).plans).toEqual([]);
        const file = join(mkdtempSync(join(tmpdir(), 'ib-import-')), 'accounts.json');
        const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
        writeFileSync(
          file,
          JSON.stringify([
            {
              customerNumber,
              name: own.name,
              plans: [{ type: 'enhancement', expiresAt }],
              contacts: [{ email: own.email }],
            },
          ]),
        );
        const output = await new Promise<string>((resolve, reject) =>
          execFile(
            process.execPath,
            ['scripts/accounts.ts', 'import', file],
            { cwd: root, env: { ...process.env, BROKER_CONFIG: configFile } },
            (error, stdout) => (error ? reject(error) : resolve(stdout)),
          ),
        );
        expect(output).toContain('running brokers told of the change (2 listening)');
        return async (arrival) => expect((await claimsOf(arrival)).plans).toEqual(['enhancement']);
      },
    },
  };

  describe.each(Object.keys(CASES))('%s', (name) => {
    it.each([
      ['in the process that made it', HERE],
      ['in another process', THERE],
    ])('%s', async (_where, at) => {
      const user = nextUser();
      const check = await CASES[name]!.change(user, at);
      answeredBy(at);
      await check(await arrive(user), user);
      answeredBy(HERE);
    });
  });
});
