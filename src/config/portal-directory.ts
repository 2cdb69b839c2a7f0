import type { ClientConfig } from './schema.ts';

/** What the broker's pages and e-mails say about a portal, and where a person goes back to. */
export interface Portal {
  clientId: string;
  name: string;
  /** The portal's own page: its `homeUrl`, else the origin of its first web redirect URI. */
  homeUrl: string | undefined;
  /**
   * Where a person continues once a sign-in can no longer be resumed (the association was confirmed in another
   * browser): the portal's `initiateLoginUri` with `iss` (OpenID Connect Core 4), which starts a new sign-in;
   * else its home page.
   */
  continueUrl: string | undefined;
  /** The plans an account needs to sign in here (`clients[].requires`). */
  requires: ClientConfig['requires'];
  /**
   * Whether the portal shows a consent screen. Configured portals are first-party: they get what they ask for
   * without one unless their configuration says `consent: true` (the one consent policy of both paths that grant).
   */
  asksConsent: boolean;
}

function homeOf(client: ClientConfig): string | undefined {
  if (client.homeUrl) return client.homeUrl;
  const web = client.redirectUris
    .map((uri) => new URL(uri))
    .find((url) => url.protocol === 'https:' || url.protocol === 'http:');
  return web ? `${web.origin}/` : undefined;
}

function continueOf(client: ClientConfig, issuer: string): string | undefined {
  if (!client.initiateLoginUri) return homeOf(client);
  const url = new URL(client.initiateLoginUri);
  url.searchParams.set('iss', issuer);
  return url.href;
}

/** The configured portals, looked up by client id: built once from the configuration, read everywhere. */
export class PortalDirectory {
  readonly #portals: ReadonlyMap<string, Portal>;

  constructor(clients: readonly ClientConfig[], issuer: string) {
    this.#portals = new Map(
      clients.map((c) => [
        c.clientId,
        Object.freeze({
          clientId: c.clientId,
          name: c.name,
          homeUrl: homeOf(c),
          continueUrl: continueOf(c, issuer),
          requires: c.requires,
          asksConsent: c.consent,
        }),
      ]),
    );
  }

  get(clientId: unknown): Portal | undefined {
    return typeof clientId === 'string' ? this.#portals.get(clientId) : undefined;
  }

  /** Every portal, in the configuration's order. */
  list(): Portal[] {
    return [...this.#portals.values()];
  }
}
