import { Types } from 'mongoose';
import { assertConfirmable, canTransition, stateOf } from '../../src/linking/association-flow.ts';
import {
  cancelAssociation,
  completeConfirmation,
  openLink,
  startConfirmation,
} from '../../src/linking/confirm-association.ts';
import {
  AccountAlreadyLinked,
  ConfirmationExpired,
  IdentityMismatch,
  LinkCancelled,
  LinkExpired,
  LinkNotFound,
  LinkSuperseded,
  LinkUsed,
} from '../../src/linking/linking-errors.ts';
import { requestAssociation } from '../../src/linking/request-association.ts';
import type { UpstreamIdentity } from '../../src/upstream/upstream-identity.ts';
import { memoryLinking, type MemoryLinking } from './support/in-memory-linking.ts';

const ZOE: UpstreamIdentity = {
  upstreamId: 'demo',
  issuer: 'https://id.example',
  subject: 'zoe-1',
  email: 'zoe@example.net',
  authTime: 1_800_000_000,
};
const MALLORY: UpstreamIdentity = { ...ZOE, subject: 'mallory-1', email: 'mallory@example.net' };
const REGISTERED = 'office@zoe.example';
const ORIGIN = { ip: '192.0.2.1', locale: 'en' };

function world(): MemoryLinking {
  const linking = memoryLinking();
  linking.people.addAccount('Zoe & Co', [REGISTERED]);
  return linking;
}

async function request(linking: MemoryLinking, identity = ZOE, enteredEmail = REGISTERED): Promise<string | undefined> {
  const before = linking.mailedTokens.length;
  await requestAssociation(linking.context, {
    identity,
    enteredEmail,
    clientId: 'customersource',
    interactionUid: 'uid-1',
    origin: ORIGIN,
  });
  return linking.mailedTokens.length > before ? linking.mailedTokens.at(-1) : undefined;
}

async function confirm(linking: MemoryLinking, token: string, identity = ZOE) {
  const { reference } = await startConfirmation(linking.context, token, ORIGIN.ip);
  return completeConfirmation(linking.context, reference, identity, ORIGIN);
}

const record = (status: 'pending' | 'confirmed' | 'cancelled' | 'superseded', expiresAt: Date) => ({
  status,
  expiresAt,
  contactIds: [new Types.ObjectId().toHexString()],
});

describe('the association flow: states and transitions', () => {
  const now = new Date('2026-11-29T12:00:00Z');
  const later = new Date(now.getTime() + 60_000);
  const earlier = new Date(now.getTime() - 60_000);

  it('moves out of pending once, to confirmed, cancelled or superseded, and never back', () => {
    expect(['confirmed', 'cancelled', 'superseded'].every((to) => canTransition('pending', to as 'confirmed'))).toBe(
      true,
    );
    expect(canTransition('confirmed', 'cancelled')).toBe(false);
    expect(canTransition('cancelled', 'pending')).toBe(false);
    expect(canTransition('superseded', 'confirmed')).toBe(false);
  });

  it('derives expired from expiresAt on every read; only a pending association expires', () => {
    expect(stateOf(record('pending', earlier), now)).toBe('expired');
    expect(stateOf(record('pending', later), now)).toBe('pending');
    expect(stateOf(record('confirmed', earlier), now)).toBe('confirmed');
  });

  it('gives each unusable state its own page', () => {
    expect(() => assertConfirmable(record('confirmed', later), now)).toThrow(LinkUsed);
    expect(() => assertConfirmable(record('pending', earlier), now)).toThrow(LinkExpired);
    expect(() => assertConfirmable(record('cancelled', later), now)).toThrow(LinkCancelled);
    expect(() => assertConfirmable(record('superseded', later), now)).toThrow(LinkSuperseded);
    expect(() => assertConfirmable({ ...record('pending', later), contactIds: [] }, now)).toThrow(LinkNotFound);
    expect(() => assertConfirmable(record('pending', later), now)).not.toThrow();
  });
});

describe('the association flow: requests, confirmations and their hooks', () => {
  it('mails a link for a registered address and nothing for an unknown one, recording both', async () => {
    const linking = world();
    expect(await request(linking)).toEqual(expect.any(String));
    expect(await request(linking, MALLORY, 'nobody@example.org')).toBeUndefined();
    expect(linking.hookCalls.map((c) => [c.hook, c.detail])).toEqual([
      ['requested', 'mailed'],
      ['requested', 'not-mailed'],
    ]);
  });

  it('confirms with the same identity: one link, one confirmed hook, and the link is then used', async () => {
    const linking = world();
    const token = (await request(linking))!;
    await expect(openLink(linking.context, token, ORIGIN.ip)).resolves.toEqual({
      upstreamName: 'Demo ID',
      clientName: 'CustomerSource',
    });
    await expect(confirm(linking, token)).resolves.toMatchObject({ accountName: 'Zoe & Co', interactionUid: 'uid-1' });
    expect(linking.people.memberships).toHaveLength(1);
    expect(linking.people.identities[0]?.authenticatedAt).toEqual(new Date(ZOE.authTime! * 1000));
    expect(linking.hookCalls.filter((c) => c.hook === 'confirmed').map((c) => c.detail)).toEqual(['linked']);
    await expect(openLink(linking.context, token, ORIGIN.ip)).rejects.toThrow(LinkUsed);
  });

  it('refuses another identity, links nothing and leaves the link usable', async () => {
    const linking = world();
    const token = (await request(linking))!;
    await expect(confirm(linking, token, MALLORY)).rejects.toThrow(IdentityMismatch);
    expect(linking.people.memberships).toEqual([]);
    expect(linking.hookCalls.at(-1)).toMatchObject({ hook: 'refused', detail: 'identity-mismatch' });
    await expect(confirm(linking, token)).resolves.toBeDefined();
  });

  it('supersedes the older link when the identity asks again, and says so on it', async () => {
    const linking = world();
    const first = (await request(linking))!;
    linking.clock.now = new Date(linking.clock.now.getTime() + 1_000);
    const second = (await request(linking))!;
    await expect(openLink(linking.context, first, ORIGIN.ip)).rejects.toThrow(LinkSuperseded);
    expect(linking.hookCalls.filter((c) => c.hook === 'superseded')).toHaveLength(1);
    await expect(confirm(linking, second)).resolves.toBeDefined();
  });

  it('expires a link on its own clock, without any sweeper', async () => {
    const linking = world();
    const token = (await request(linking))!;
    linking.clock.now = new Date(linking.clock.now.getTime() + 3_600_001);
    await expect(openLink(linking.context, token, ORIGIN.ip)).rejects.toThrow(LinkExpired);
    expect(linking.hookCalls.at(-1)).toMatchObject({ hook: 'refused', detail: 'expired' });
  });

  it('lets two parallel confirmations of the same link both succeed, with one link and one notice', async () => {
    const linking = world();
    const token = (await request(linking))!;
    const [a, b] = await Promise.all([
      startConfirmation(linking.context, token, ORIGIN.ip),
      startConfirmation(linking.context, token, ORIGIN.ip),
    ]);
    await Promise.all([a, b].map(({ reference }) => completeConfirmation(linking.context, reference, ZOE, ORIGIN)));
    expect(linking.people.memberships).toHaveLength(1);
    expect(linking.hookCalls.filter((c) => c.hook === 'confirmed')).toHaveLength(1);
  });
});

describe('a cancel racing a confirmation ends in one consistent outcome', () => {
  it('cancel first: the confirmation that already wrote its link has it removed, and the person is told', async () => {
    const linking = world();
    const token = (await request(linking))!;
    const { reference } = await startConfirmation(linking.context, token, ORIGIN.ip);
    // The cancel lands between the confirmation's link insert and its transition.
    linking.pending.beforeTransition = async (_id, to) => {
      if (to !== 'confirmed') return;
      linking.pending.beforeTransition = async () => undefined;
      await cancelAssociation(linking.context, token, ORIGIN);
    };
    await expect(completeConfirmation(linking.context, reference, ZOE, ORIGIN)).rejects.toThrow(LinkCancelled);
    expect(linking.people.memberships).toEqual([]);
    const [stored] = linking.pending.records.values();
    expect(stored?.status).toBe('cancelled');
    expect(linking.hookCalls.map((c) => c.hook)).toEqual(['requested', 'cancelled']);
  });

  it('cancel before the confirmation writes its link: the link written after is removed again', async () => {
    const linking = world();
    const token = (await request(linking))!;
    const { reference } = await startConfirmation(linking.context, token, ORIGIN.ip);
    linking.people.beforeLink = async () => {
      linking.people.beforeLink = async () => undefined;
      await cancelAssociation(linking.context, token, ORIGIN);
    };
    await expect(completeConfirmation(linking.context, reference, ZOE, ORIGIN)).rejects.toThrow(LinkCancelled);
    expect(linking.people.memberships).toEqual([]);
    expect(linking.hookCalls.map((c) => c.hook)).toEqual(['requested', 'cancelled']);
  });

  it('confirmation first: the cancel is refused as a used link, and the link stays', async () => {
    const linking = world();
    const token = (await request(linking))!;
    const { reference } = await startConfirmation(linking.context, token, ORIGIN.ip);
    const found = await linking.pending.findByToken(token);
    // The cancel passes its checks, then loses the transition to the confirmation.
    linking.pending.beforeTransition = async (_id, to) => {
      if (to !== 'cancelled') return;
      linking.pending.beforeTransition = async () => undefined;
      await completeConfirmation(linking.context, reference, ZOE, ORIGIN);
    };
    await expect(cancelAssociation(linking.context, token, ORIGIN)).rejects.toThrow(LinkUsed);
    expect(linking.people.memberships.map((l) => l.associationId)).toEqual([found?.id]);
    expect(linking.hookCalls.map((c) => c.hook)).toEqual(['requested', 'confirmed']);
  });
});

describe('the association flow: what the person is told when the confirmation itself went stale', () => {
  it('asks to open the link again when the confirmation reference is unknown or already used', async () => {
    const linking = world();
    const token = (await request(linking))!;
    const { reference } = await startConfirmation(linking.context, token, ORIGIN.ip);
    await completeConfirmation(linking.context, reference, ZOE, ORIGIN);
    await expect(completeConfirmation(linking.context, reference, ZOE, ORIGIN)).rejects.toThrow(ConfirmationExpired);
    await expect(completeConfirmation(linking.context, 'never-issued', ZOE, ORIGIN)).rejects.toThrow(
      ConfirmationExpired,
    );
  });
});

describe('the association flow with organisations', () => {
  const COLLEAGUE: UpstreamIdentity = { ...ZOE, subject: 'colleague-1', email: 'max@zoe.example' };
  const GOOGLE_ZOE: UpstreamIdentity = {
    ...ZOE,
    upstreamId: 'google',
    issuer: 'https://accounts.example',
    subject: 'zoe-g',
  };

  it('gives two contacts of one account two people, each with their own sub', async () => {
    const linking = memoryLinking();
    linking.people.addAccount('Zoe & Co', [REGISTERED, 'max@zoe.example']);
    await confirm(linking, (await request(linking))!);
    await confirm(linking, (await request(linking, COLLEAGUE, 'max@zoe.example'))!, COLLEAGUE);
    const people = linking.people.identities.map((i) => i.personId);
    expect(new Set(people).size).toBe(2);
    expect(new Set(linking.people.memberships.map((m) => m.accountId)).size).toBe(1);
  });

  it('makes one address registered on two accounts a member of both with one confirmation', async () => {
    const linking = memoryLinking();
    linking.people.addAccount('Contoso', [REGISTERED]);
    linking.people.addAccount('Fabrikam', [REGISTERED]);
    const confirmed = await confirm(linking, (await request(linking))!);
    expect(confirmed.accountName).toBe('Contoso, Fabrikam');
    expect(linking.people.memberships).toHaveLength(2);
    expect(new Set(linking.people.memberships.map((m) => m.personId)).size).toBe(1);
  });

  it('adds a second sign-in of the same person to that person when the contact already has them as member', async () => {
    const linking = world();
    await confirm(linking, (await request(linking))!);
    await confirm(linking, (await request(linking, GOOGLE_ZOE))!, GOOGLE_ZOE);
    const [first, second] = linking.people.identities;
    expect(second?.personId === first!.personId).toBe(true);
    expect(linking.hookCalls.filter((c) => c.hook === 'confirmed').map((c) => c.detail)).toEqual(['linked', 'linked']);
  });

  it('refuses a sign-in of another person for a contact that already has a member', async () => {
    const linking = world();
    await confirm(linking, (await request(linking))!);
    // Mallory already is someone else (a member of another account) and cannot become Zoe's contact too.
    linking.people.addAccount('Mallory Ltd', ['mallory@example.net']);
    await confirm(linking, (await request(linking, MALLORY, 'mallory@example.net'))!, MALLORY);
    await expect(confirm(linking, (await request(linking, MALLORY))!, MALLORY)).rejects.toThrow(AccountAlreadyLinked);
    expect(linking.hookCalls.at(-1)).toMatchObject({ hook: 'refused', detail: 'contact-taken' });
  });
});
