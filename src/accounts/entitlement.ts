import type { Plan } from './people.ts';

type PlanHolder = { readonly plans: readonly Plan[] };

/** The plan types that count at `now` (a plan counts strictly before its `expiresAt`), deduplicated and sorted. */
export function activePlanTypes(account: PlanHolder, now: Date = new Date()): string[] {
  const active = account.plans.filter((plan) => plan.expiresAt.getTime() > now.getTime()).map((plan) => plan.type);
  return [...new Set(active)].sort();
}

/**
 * Whether the account may sign in to a client with this requirement (`clients[].requires`). A disabled account
 * never may; a requirement is met by one active plan of any listed type, and an empty list is met by none.
 */
export function meetsRequirement(
  account: PlanHolder & { readonly status: 'active' | 'disabled' },
  requires: { plans: readonly string[] } | undefined,
  now: Date = new Date(),
): boolean {
  if (account.status !== 'active') return false;
  if (requires === undefined) return true;
  const active = activePlanTypes(account, now);
  return requires.plans.some((type) => active.includes(type));
}
