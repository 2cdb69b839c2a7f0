import type { Session } from 'oidc-provider';
import type { RefusedHint, VerifiedHint } from './id-token-hint.ts';

/** A request to the end-session endpoint, as far as the decision needs it. */
export interface EndSessionCall {
  /** isBrowserNavigation of its headers. */
  browser: boolean;
  /** Whether it carries the broker's session cookie. */
  sessionCookie: boolean;
  /** Its query (GET) or form (POST) parameters. */
  parameters: URLSearchParams;
}

export interface ServerSideLogoutPorts {
  verifyHint(hint: string, clientId: string | undefined): Promise<VerifiedHint | RefusedHint>;
  /** The signed-in session holding `sid` for portal `clientId`. */
  findSession(clientId: string, sid: string): Promise<Session | undefined>;
  /** Ends the session for every portal of it, telling those with back-channel logout. */
  endSession(session: Session): Promise<void>;
}

export type ServerSideLogoutOutcome =
  /** Not a portal's server with a hint: oidc-provider's own pages answer. */
  | { outcome: 'not-server-side' }
  | { outcome: 'ended'; clientId: string }
  /** A valid hint whose session has ended already (or never held that sid): nothing to do, and no error. */
  | { outcome: 'already-ended'; clientId: string }
  | { outcome: 'refused'; description: string };

// Media types a browser names in the Accept header of a navigation; a server's HTTP client sends `*/*` or nothing.
const PAGE_TYPES = new Set(['text/html', 'application/xhtml+xml']);

function asksForPage(accept: string): boolean {
  return accept.split(',').some((range) => {
    const [type = '', ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    // `q=0` is "not acceptable" (RFC 9110 12.4.2).
    return PAGE_TYPES.has(type) && !parameters.some((parameter) => /^q=0(\.0{0,3})?$/.test(parameter));
  });
}

/**
 * Whether a person's browser is calling, to be answered with a page: a navigation by Fetch Metadata (`Sec-Fetch-Mode:
 * navigate` or `Sec-Fetch-Dest: document`, sent by current browsers), or an Accept header that names HTML (browsers
 * have always sent `text/html` with a navigation; a server's HTTP client sends `*\/*` or no Accept at all: Go's, as
 * oauth2-proxy's, sends none). A script's `fetch` in a browser counts as a server: it wants no page either.
 */
export function isBrowserNavigation(header: (name: string) => string): boolean {
  const mode = header('sec-fetch-mode').toLowerCase();
  const destination = header('sec-fetch-dest').toLowerCase();
  return mode === 'navigate' || destination === 'document' || asksForPage(header('accept'));
}

/** The one value of a parameter; a parameter given twice is refused, as oidc-provider refuses it (reject_dupes). */
function single(parameters: URLSearchParams, name: string): { value?: string; repeated: boolean } {
  const values = parameters.getAll(name);
  return { value: values[0], repeated: values.length > 1 };
}

/**
 * The end-session endpoint called by a portal's server rather than a person's browser (oauth2-proxy's
 * `--backend-logout-url`, a back end signing a person out): no browser navigation, no broker session cookie, and an
 * `id_token_hint`. oidc-provider would answer with a page for a browser and end nothing, since the session it
 * ends is the one of the cookie; here the session is the one named by the hint's `sid`, and a valid hint ends it for
 * every portal of it, as a person's "yes, every portal" does. Only an ID token the broker signed for a portal of that
 * very session ends it: whoever holds one (its portal, or anyone it leaked to) can sign that person out, no more.
 *
 * A valid hint whose session has already ended is no error: RP-Initiated Logout 1.0 (2) calls logout requests
 * idempotent, and oauth2-proxy logs an error for any answer but 200.
 */
export async function serverSideLogout(
  call: EndSessionCall,
  ports: ServerSideLogoutPorts,
): Promise<ServerSideLogoutOutcome> {
  const hint = single(call.parameters, 'id_token_hint');
  if (call.browser || call.sessionCookie || hint.value === undefined) return { outcome: 'not-server-side' };
  const clientId = single(call.parameters, 'client_id');
  if (hint.repeated || clientId.repeated) {
    return { outcome: 'refused', description: 'id_token_hint and client_id must be given once' };
  }
  const verified = await ports.verifyHint(hint.value, clientId.value);
  if (!verified.verified) return { outcome: 'refused', description: verified.description };
  const session = await ports.findSession(verified.clientId, verified.sid);
  if (!session) return { outcome: 'already-ended', clientId: verified.clientId };
  await ports.endSession(session);
  return { outcome: 'ended', clientId: verified.clientId };
}
