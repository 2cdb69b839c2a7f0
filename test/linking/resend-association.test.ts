import { TooManyRequests } from '../../src/linking/linking-errors.ts';
import { requestAssociation } from '../../src/linking/request-association.ts';
import { RESEND_AFTER_MS, resendAssociation } from '../../src/linking/resend-association.ts';
import type { UpstreamIdentity } from '../../src/upstream/upstream-identity.ts';
import { memoryLinking, type MemoryLinking } from './support/in-memory-linking.ts';

const ZOE: UpstreamIdentity = {
  upstreamId: 'demo',
  issuer: 'https://id.example',
  subject: 'zoe-1',
  email: 'zoe@example.net',
};
const REGISTERED = 'office@zoe.example';
const ORIGIN = { ip: '192.0.2.1', locale: 'en' };
const RESEND = { identity: ZOE, clientId: 'customersource', interactionUid: 'uid-1', origin: ORIGIN };

describe('"Send it again": the flow decides when a resend is allowed', () => {
  let linking: MemoryLinking;

  beforeEach(async () => {
    linking = memoryLinking();
    linking.people.addAccount('Zoe & Co', [REGISTERED]);
    await requestAssociation(linking.context, { ...RESEND, enteredEmail: REGISTERED });
  });

  const later = (ms: number) => {
    linking.clock.now = new Date(linking.clock.now.getTime() + ms);
  };

  it('sends nothing within a minute of the last e-mail, and the link already sent keeps working', async () => {
    later(RESEND_AFTER_MS - 1_000);
    expect(await resendAssociation(linking.context, RESEND)).toBe('wait');
    expect(linking.mailedTokens).toHaveLength(1);
    expect(await linking.pending.pendingOf(ZOE.issuer, ZOE.subject)).toHaveLength(1);
  });

  it('after the wait, sends a new link to the address entered and supersedes the older one', async () => {
    later(RESEND_AFTER_MS);
    expect(await resendAssociation(linking.context, RESEND)).toBe('resent');
    expect(linking.mailedTokens).toHaveLength(2);
    const [newest] = await linking.pending.pendingOf(ZOE.issuer, ZOE.subject);
    expect(newest?.enteredEmail).toBe(REGISTERED);
    expect(linking.hookCalls.map((c) => c.hook)).toEqual(['requested', 'superseded', 'requested']);
  });

  it('refused by the limits: nothing sent, and it says so rather than failing', async () => {
    linking.context.limits = {
      consumeRequest: async () => {
        throw new TooManyRequests();
      },
      consumeConfirmation: async () => undefined,
    };
    later(RESEND_AFTER_MS);
    expect(await resendAssociation(linking.context, RESEND)).toBe('limit');
    expect(linking.mailedTokens).toHaveLength(1);
  });

  it('has nothing to resend once the association expired or was confirmed', async () => {
    later(linking.context.linkTtlMs);
    expect(await resendAssociation(linking.context, RESEND)).toBe('nothing-pending');
    expect(linking.mailedTokens).toHaveLength(1);
  });
});
