import type { AccountPageContext } from './account-page-context.ts';
import type { PagePerson } from './account-page-changes.ts';

/** The most entries of each list in one export; a person with more asks support for the rest. */
const MOST = 1_000;

const iso = (date: Date | null | undefined) => date?.toISOString() ?? null;

/**
 * Everything the broker stores about the person, as one JSON document (GDPR articles 15 and 20): the person,
 * their sign-ins, the accounts they act for and as which contact, their associations (pending and past, by their
 * sign-ins), their support requests, their recent sign-ins and the audit entries about them. Never a secret:
 * link tokens are kept only as hashes and are left out, as is anything about other people (the audit's actors
 * other than the person read "support" or "broker"). The export itself is audited.
 */
export async function personalData(context: AccountPageContext, who: PagePerson) {
  const { personId } = who;
  const record = await context.directory.personWithAccounts(personId);
  const identities = record?.identities ?? [];
  // Every membership the record holds, with its account and contact (those of disabled contacts too: it is all).
  const accountsById = new Map(record?.accounts.map((account) => [account.id, account]));
  const contactsById = new Map(record?.contacts.map((contact) => [contact.id, contact]));
  const memberships = (record?.memberships ?? []).flatMap((membership) => {
    const account = accountsById.get(membership.accountId);
    const contact = contactsById.get(membership.contactId);
    return account && contact ? [{ membership, account, contact }] : [];
  });
  const signIns = identities.map(({ issuer, subject }) => ({ issuer, subject }));
  const [associations, supportRequests, recentSignIns, audit] = await Promise.all([
    Promise.all(
      identities.map((i) =>
        context.linking.pending.listForSignIn({ upstreamId: i.upstreamId, subject: i.subject }, MOST),
      ),
    ),
    signIns.length > 0 ? context.supportRequests.search({ signIns }, { limit: MOST }) : Promise.resolve([]),
    context.activity.page(personId, 0, MOST),
    context.audit.search(
      { person: { id: personId, signIns: identities.map(({ upstreamId, subject }) => ({ upstreamId, subject })) } },
      { limit: MOST },
    ),
  ]);
  await context.audit.record({
    type: 'person.data-exported',
    actor: personId,
    personId,
    accountId: null,
    ip: who.origin.ip,
  });
  return {
    exportedAt: context.now().toISOString(),
    erasure: { askAt: context.support },
    person: { id: personId, createdAt: iso(record?.person.createdAt) },
    signIns: identities.map((i) => ({
      id: i.id,
      upstreamId: i.upstreamId,
      issuer: i.issuer,
      subject: i.subject,
      name: i.signInName,
      email: i.email,
      linkedAt: iso(i.linkedAt),
      lastSignInAt: iso(i.lastLoginAt),
      lastPortal: i.lastClientId,
      authenticatedAt: iso(i.authenticatedAt),
    })),
    accounts: memberships.map(({ membership, account, contact }) => ({
      membershipId: membership.id,
      since: iso(membership.linkedAt),
      account: { id: account.id, customerNumber: account.customerNumber, name: account.name, status: account.status },
      plans: account.plans.map((p) => ({ type: p.type, expiresAt: iso(p.expiresAt) })),
      contact: { id: contact.id, email: contact.email, name: contact.name, status: contact.status },
    })),
    associations: associations.flat().map((a) => ({
      id: a.id,
      upstreamId: a.upstreamId,
      subject: a.subject,
      enteredEmail: a.enteredEmail,
      status: a.status,
      createdAt: iso(a.createdAt),
      expiresAt: iso(a.expiresAt),
      confirmedAt: iso(a.confirmedAt),
      portal: a.clientId,
    })),
    supportRequests: supportRequests.map((r) => ({
      id: r.id,
      createdAt: iso(r.createdAt),
      status: r.status,
      message: r.message,
      replyTo: r.replyTo,
      customer: r.customer,
      portal: r.clientId,
      resolvedAt: iso(r.resolvedAt),
    })),
    recentSignIns: recentSignIns.map((s) => ({ at: iso(s.at), upstreamId: s.upstreamId, portal: s.clientId })),
    activity: audit.map((entry) => ({
      at: iso(entry.at),
      type: entry.type,
      by: entry.actor === null ? 'broker' : entry.actor === personId ? 'you' : 'support',
      accountId: entry.accountId,
      upstreamId: entry.upstreamId ?? null,
      subject: entry.subject ?? null,
    })),
  };
}
