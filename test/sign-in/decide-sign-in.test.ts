import type { Account, Membership } from '../../src/accounts/people-directory.ts';
import { accountChoices, chosenMembership, decideSignIn } from '../../src/sign-in/decide-sign-in.ts';
import type { SignInOutcome } from '../../src/sign-in/resolve-sign-in.ts';

// The sign-in decision without HTTP, a store or oidc-provider: every branch from the known facts to the next step.

const NOW = new Date('2026-12-06T12:00:00Z');
let ids = 0;
const newId = () => (ids += 1).toString(16).padStart(24, '0');
const PERSON = newId();
const IDENTITY = {
  upstreamId: 'msa',
  issuer: 'https://login.example',
  subject: 'abc',
  amr: ['pwd', 'mfa'],
  acr: 'urn:example:mfa',
};

function membership(name: string, plans: string[] = [], status: Account['status'] = 'active'): Membership {
  const accountId = newId();
  return {
    membership: { id: newId(), personId: PERSON, accountId, contactId: newId(), linkedAt: NOW, associationId: null },
    account: {
      id: accountId,
      customerNumber: `C-${name}`,
      name,
      plans: plans.map((type) => ({ type, expiresAt: new Date(NOW.getTime() + 86_400_000) })),
      status,
    },
    contact: { id: newId(), accountId, email: `${name}@example.com`, name: null, status: 'active' },
  };
}

const linked = (memberships: Membership[]): SignInOutcome => ({
  kind: 'linked',
  personId: PERSON,
  memberships,
  authTime: 1_700_000_000,
});
const idOf = (m: Membership) => m.account.id;

describe('decideSignIn: from what is known to the next step', () => {
  it('sends a sign-in without a person or without memberships to the association flow', () => {
    expect(
      decideSignIn({ outcome: { kind: 'not-linked' }, identity: IDENTITY, requires: undefined, now: NOW }),
    ).toEqual({ kind: 'associate' });
  });

  it('refuses a person whose every account is disabled', () => {
    expect(
      decideSignIn({ outcome: { kind: 'account-disabled' }, identity: IDENTITY, requires: undefined, now: NOW }),
    ).toEqual({
      kind: 'refuse',
      reason: 'account-disabled',
    });
  });

  it('finishes with the only account, with the upstream authentication as it was (auth_time, amr, acr)', () => {
    const only = membership('Contoso');
    expect(decideSignIn({ outcome: linked([only]), identity: IDENTITY, requires: undefined, now: NOW })).toEqual({
      kind: 'finish',
      personId: PERSON,
      accountId: idOf(only),
      result: {
        login: { accountId: PERSON, ts: 1_700_000_000, amr: ['pwd', 'mfa'], acr: 'urn:example:mfa' },
        select_account: { accountId: idOf(only) },
      },
    });
  });

  it("says 'fed' when the upstream named no method, and no acr when it named none", () => {
    const step = decideSignIn({
      outcome: linked([membership('Contoso')]),
      identity: undefined,
      requires: undefined,
      now: NOW,
    });
    expect(step.kind === 'finish' && step.result.login).toEqual({ accountId: PERSON, ts: 1_700_000_000, amr: ['fed'] });
  });

  it('finishes with the only account even when it lacks the plan: the interaction policy then names what is missing', () => {
    const step = decideSignIn({
      outcome: linked([membership('Contoso')]),
      identity: IDENTITY,
      requires: { plans: ['support'] },
      now: NOW,
    });
    expect(step.kind).toBe('finish');
  });

  it('offers several accounts, oldest first, those the plan rule rules out shown but not available', () => {
    const [basic, supported] = [membership('Basic'), membership('Supported', ['support'])];
    expect(
      decideSignIn({
        outcome: linked([basic, supported]),
        identity: IDENTITY,
        requires: { plans: ['support'] },
        now: NOW,
      }),
    ).toEqual({
      kind: 'chooseAccount',
      accounts: [
        { id: idOf(basic), name: 'Basic', customerNumber: 'C-Basic', available: false },
        { id: idOf(supported), name: 'Supported', customerNumber: 'C-Supported', available: true },
      ],
    });
  });

  it('finishes with a chosen account that counts', () => {
    const [first, second] = [membership('First'), membership('Second')];
    const step = decideSignIn({
      outcome: linked([first, second]),
      identity: IDENTITY,
      requires: undefined,
      chosenAccountId: idOf(second),
      now: NOW,
    });
    expect(step).toMatchObject({
      kind: 'finish',
      accountId: idOf(second),
      result: { select_account: { accountId: idOf(second) } },
    });
  });

  it('asks again for a choice the plan rule rules out, one the person is no member of, or no id at all', () => {
    const [basic, supported] = [membership('Basic'), membership('Supported', ['support'])];
    const outcome = linked([basic, supported]);
    const requires = { plans: ['support'] };
    for (const chosenAccountId of [idOf(basic), newId(), '']) {
      expect(decideSignIn({ outcome, identity: IDENTITY, requires, chosenAccountId, now: NOW }).kind).toBe(
        'chooseAccount',
      );
    }
    // A choice is never made for the person, not even when only one account is left to choose.
    expect(
      decideSignIn({ outcome: linked([basic]), identity: IDENTITY, requires, chosenAccountId: idOf(basic), now: NOW })
        .kind,
    ).toBe('chooseAccount');
  });
});

describe('the account choice rule, used by the decision and by a choice within a session', () => {
  it('counts a membership of an active account that meets the plan rule, at the time of the choice', () => {
    const supported = membership('Supported', ['support']);
    const disabled = membership('Disabled', [], 'disabled');
    expect(chosenMembership([supported, disabled], idOf(supported), { plans: ['support'] }, NOW)).toBe(supported);
    expect(chosenMembership([supported, disabled], idOf(disabled), undefined, NOW)).toBeUndefined();
    const afterExpiry = new Date(NOW.getTime() + 2 * 86_400_000);
    expect(chosenMembership([supported], idOf(supported), { plans: ['support'] }, afterExpiry)).toBeUndefined();
  });

  it('lists a disabled account as not available', () => {
    expect(accountChoices([membership('Disabled', [], 'disabled')], undefined, NOW)[0]?.available).toBe(false);
  });
});
