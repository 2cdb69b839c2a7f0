import { activePlanTypes, meetsRequirement } from '../../src/accounts/entitlement.ts';

const now = new Date('2026-05-01T12:00:00Z');
const later = new Date('2027-01-01T00:00:00Z');
const earlier = new Date('2026-01-01T00:00:00Z');

describe('activePlanTypes', () => {
  it('lists the plan types that have not expired, once each, sorted', () => {
    const plans = [
      { type: 'support', expiresAt: later },
      { type: 'enhancement', expiresAt: later },
      { type: 'support', expiresAt: earlier },
      { type: 'support', expiresAt: new Date('2028-01-01T00:00:00Z') },
    ];
    expect(activePlanTypes({ plans }, now)).toEqual(['enhancement', 'support']);
  });

  it('does not count an expired plan, nor one that expires at this very instant', () => {
    const plans = [
      { type: 'support', expiresAt: earlier },
      { type: 'enhancement', expiresAt: now },
    ];
    expect(activePlanTypes({ plans }, now)).toEqual([]);
  });
});

describe('meetsRequirement', () => {
  const active = { status: 'active' as const, plans: [{ type: 'support', expiresAt: later }] };

  it('lets an active account into a client without requirement, even with no plan', () => {
    expect(meetsRequirement({ status: 'active', plans: [] }, undefined, now)).toBe(true);
  });

  it('is met by an active plan of any one of the listed types', () => {
    expect(meetsRequirement(active, { plans: ['enhancement', 'support'] }, now)).toBe(true);
  });

  it('is not met when the only plan of a listed type has expired', () => {
    const expired = { status: 'active' as const, plans: [{ type: 'support', expiresAt: earlier }] };
    expect(meetsRequirement(expired, { plans: ['support'] }, now)).toBe(false);
  });

  it('is not met by an active plan of a type that is not listed', () => {
    expect(meetsRequirement(active, { plans: ['enhancement'] }, now)).toBe(false);
  });

  it('refuses a disabled account, with or without requirement', () => {
    const disabled = { ...active, status: 'disabled' as const };
    expect(meetsRequirement(disabled, undefined, now)).toBe(false);
    expect(meetsRequirement(disabled, { plans: ['support'] }, now)).toBe(false);
  });
});
