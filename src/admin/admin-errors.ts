import type { ADMIN_ERROR_CODES } from './representations.ts';

type AdminErrorCode = (typeof ADMIN_ERROR_CODES)[number];

/**
 * What the admin API refuses, as classes carrying the HTTP status and a namespaced code (like BrokerError, but for
 * programs only: the message is English and meant for the operator of the calling tool, never for a customer).
 */
export abstract class AdminError extends Error {
  abstract readonly status: number;
  abstract readonly code: AdminErrorCode;
}

/** No bearer token, or one the broker did not issue to an admin client (or it expired): RFC 6750 3.1 invalid_token. */
export class AdminUnauthenticated extends AdminError {
  readonly status = 401;
  readonly code = 'ADMIN.UNAUTHENTICATED';
  constructor() {
    super('a valid access token of an admin client is required (client-credentials grant at /token)');
  }
}

/** A valid token whose client has no role, or a role below what the operation needs: RFC 6750 insufficient_scope. */
export class AdminForbidden extends AdminError {
  readonly status = 403;
  readonly code = 'ADMIN.FORBIDDEN';
  constructor(needed: string) {
    super(`this operation needs the role ${needed} (token scope ${needed})`);
  }
}

export class AdminNotFound extends AdminError {
  readonly status = 404;
  readonly code = 'ADMIN.NOT_FOUND';
  constructor(what: string) {
    super(`${what} not found`);
  }
}

/** The request is well formed but the records are not in a state that allows it (a confirmed link, a taken contact). */
export class AdminConflict extends AdminError {
  readonly status = 409;
  readonly code = 'ADMIN.CONFLICT';
}

export class AdminInvalidRequest extends AdminError {
  readonly status = 400;
  readonly code = 'ADMIN.INVALID_REQUEST';
}

/** A failed e-mail that was retried before: its retry is the message to follow (`retry` in its representation). */
export class AdminRetriedAlready extends AdminError {
  readonly status = 409;
  readonly code = 'ADMIN.RETRIED_ALREADY';
}
