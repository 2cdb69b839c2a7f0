import type { Membership } from './people-directory.ts';

/**
 * The membership a request acts for: the one chosen (if it still counts), or the only one. Undefined when a person
 * with several accounts has not chosen yet, or chose one they are no longer a member of.
 */
export function actingMembership(
  memberships: readonly Membership[],
  chosenAccountId: string | undefined,
): Membership | undefined {
  if (chosenAccountId) return memberships.find((m) => m.account.id === chosenAccountId);
  return memberships.length === 1 ? memberships[0] : undefined;
}
