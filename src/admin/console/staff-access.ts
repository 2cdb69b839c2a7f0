import type { UpstreamIdentity } from '../../upstream/upstream-identity.ts';
import type { AdminRole } from '../admin-roles.ts';

export interface StaffEntry {
  subject?: string | undefined;
  email?: string | undefined;
  name?: string | undefined;
  role: AdminRole;
}

export interface StaffMember {
  /** How the audit names them: `staff:<address or subject>`. */
  actorId: string;
  name: string;
  role: AdminRole;
}

/**
 * Who may use the support console: the `admin.console.staff` list, matched against a sign-in at the console
 * upstream. The subject is the reliable match; an address counts only when the upstream says it verified it,
 * because some workforce directories let users set an unverified `email` (the "nOAuth" mistake).
 */
export class StaffAccess {
  readonly #staff: readonly StaffEntry[];

  constructor(staff: readonly StaffEntry[]) {
    this.#staff = staff;
  }

  memberFor(identity: Pick<UpstreamIdentity, 'subject' | 'email' | 'emailVerified' | 'name'>): StaffMember | undefined {
    const address = identity.emailVerified ? identity.email?.toLowerCase() : undefined;
    const entry =
      this.#staff.find((s) => s.subject !== undefined && s.subject === identity.subject) ??
      (address ? this.#staff.find((s) => s.subject === undefined && s.email?.toLowerCase() === address) : undefined);
    if (!entry) return undefined;
    return {
      actorId: actorIdOf(entry),
      name: entry.name ?? identity.name ?? actorIdOf(entry).slice(6),
      role: entry.role,
    };
  }

  /** A session outlives configuration changes: the entry and its role are looked up again on every request. */
  stillAllowed(member: StaffMember): StaffMember | undefined {
    const entry = this.#staff.find((s) => actorIdOf(s) === member.actorId);
    return entry ? { ...member, role: entry.role } : undefined;
  }
}

// The schema requires a subject or an address on every entry.
const actorIdOf = (entry: StaffEntry) => `staff:${entry.email ?? entry.subject ?? ''}`;
