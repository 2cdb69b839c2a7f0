import { StaffAccess } from '../../src/admin/console/staff-access.ts';

describe('who may use the support console (admin.console.staff)', () => {
  const access = new StaffAccess([
    { subject: 'sub-dana', name: 'Dana', role: 'admin' },
    { email: 'Sam@Example.com', role: 'support' },
  ]);

  it('matches a staff member by subject, whatever address the upstream sends', () => {
    expect(access.memberFor({ subject: 'sub-dana', email: 'someone@else.example', emailVerified: false })).toEqual({
      actorId: 'staff:sub-dana',
      name: 'Dana',
      role: 'admin',
    });
  });

  it('matches by address only when the upstream says it verified it, in any case', () => {
    expect(access.memberFor({ subject: 'x', email: 'sam@example.com', emailVerified: true })).toMatchObject({
      actorId: 'staff:Sam@Example.com',
      role: 'support',
    });
    expect(access.memberFor({ subject: 'x', email: 'sam@example.com', emailVerified: false })).toBeUndefined();
    expect(access.memberFor({ subject: 'x', email: 'sam@example.com' })).toBeUndefined();
  });

  it('lets nobody else in', () => {
    expect(access.memberFor({ subject: 'sub-other', email: 'other@example.com', emailVerified: true })).toBeUndefined();
  });

  it("re-reads a session's member against the current list: a removed member loses access, a changed role applies", () => {
    const dana = access.memberFor({ subject: 'sub-dana' });
    expect(dana).toBeDefined();
    const later = new StaffAccess([{ subject: 'sub-dana', role: 'support' }]);
    expect(later.stillAllowed(dana!)).toMatchObject({ role: 'support' });
    expect(new StaffAccess([{ email: 'sam@example.com', role: 'admin' }]).stillAllowed(dana!)).toBeUndefined();
  });
});
