/** `support` reads, resends and cancels links; `admin` also changes accounts and contacts, links and unlinks. */
export type AdminRole = 'support' | 'admin';

const RANK: Readonly<Record<AdminRole, number>> = { support: 1, admin: 2 };

/** Whether a caller with `role` may do what needs `needed` (admin includes everything support may do). */
export function roleAllows(role: AdminRole, needed: AdminRole): boolean {
  return RANK[role] >= RANK[needed];
}

/** Who asks: every change is audited with this id as its `actor` (and, as before, `detail.actor`). */
export interface AdminActor {
  /** An admin API client's id, or `staff:<address>` for someone signed in to the support console. */
  id: string;
  role: AdminRole;
  ip: string;
}
