// What the tests and the broker's test stacks see of an upstream double, whichever provider it plays.

export interface DoubleUser {
  sub: string;
  email: string;
  name: string;
  password: string;
}

/** Switches a test flips at run time to make the double misbehave; each provider adds its own. */
export interface DoubleBehaviour {
  /** Sign ID tokens with this `iss` instead of the issuer (a token the broker must refuse). */
  idTokenIssuer?: string;
  /** Sign ID tokens for this audience instead of the client id. */
  idTokenAudience?: string;
  /** auth_time in ID tokens; what "unset" means is the provider's documented default. */
  includeAuthTime?: boolean;
  /** The discovery document answers 503. */
  discoveryDown?: boolean;
  /** The token endpoint answers 503 (an outage between the redirect and the code exchange). */
  tokenEndpointDown?: boolean;
  /** Sign ID tokens with a key that is not in the published JWKS. */
  signWithUnpublishedKey?: boolean;
}

export interface Authentication {
  sub: string;
  /** When the login form was submitted, in seconds. */
  at: number;
  params: Record<string, string>;
}

export interface UpstreamDouble<B extends DoubleBehaviour = DoubleBehaviour> {
  /** The broker's `upstreams[]` entry for this double. */
  upstreamConfig(id: string, name: string): Record<string, unknown>;
  /** The issuer string of discovery and ID tokens. */
  issuer: string;
  /** Where the discovery document is served. */
  discoveryUrl: string;
  /** Every successful login form submission, newest last. */
  authentications: Authentication[];
  /** Every request to the authorization endpoint, with its parameters. */
  authorizationRequests: Array<Record<string, string>>;
  behaviour: B;
  close(): Promise<void>;
}

export interface DoubleOptions {
  redirectUri: string;
  clientId: string;
  users: readonly DoubleUser[];
  /** Milliseconds since the epoch; tests inject a clock to age a session. */
  now?: () => number;
}
