import type { Context, Middleware } from 'koa';
import type { AdminActor } from '../admin-roles.ts';
import type { StaffAccess, StaffMember } from './staff-access.ts';
import type { StaffSessions } from './staff-sessions.ts';

const COOKIE = 'ib.staff';
// Scoped to the console: customer pages never receive it, and the customer's own cookies open nothing here.
const COOKIE_PATH = '/admin';

declare module 'koa' {
  interface DefaultState {
    /** The staff member signed in to the console (set by `staffSession`). */
    staff?: StaffMember;
  }
}

export function setStaffCookie(ctx: Context, sessionId: string, ttlMs: number): void {
  ctx.cookies.set(COOKIE, sessionId, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    path: COOKIE_PATH,
    maxAge: ttlMs,
    overwrite: true,
  });
}

export function takeStaffCookie(ctx: Context): string | undefined {
  const id = ctx.cookies.get(COOKIE, { signed: true });
  ctx.cookies.set(COOKIE, null, { path: COOKIE_PATH, overwrite: true });
  return id;
}

/** Finds the console session of the request, if any; staff removed from the configuration lose it at once. */
export function staffSession(sessions: StaffSessions, access: StaffAccess): Middleware {
  return async (ctx, next) => {
    const id = ctx.cookies.get(COOKIE, { signed: true });
    const member = id ? await sessions.find(id) : undefined;
    const allowed = member ? access.stillAllowed(member) : undefined;
    if (allowed) ctx.state.staff = allowed;
    await next();
  };
}

export function actorOf(ctx: Context, staff: StaffMember): AdminActor {
  return { id: staff.actorId, role: staff.role, ip: ctx.ip };
}
