/** Who signed in upstream, as established by a validated ID token (and userinfo where the token was thin). */
export interface UpstreamIdentity {
  upstreamId: string;
  issuer: string;
  subject: string;
  /** The provider's address for the person: shown masked, never mailed to. */
  email?: string;
  /** Whether the provider asserts that it verified `email` (OIDC `email_verified`). */
  emailVerified?: boolean;
  /** The provider's display name, bounded and stripped of invisible characters: shown as data only. */
  name?: string;
  /** When the person authenticated upstream (seconds since the epoch), when the provider said or proved it. */
  authTime?: number;
  amr?: string[];
  acr?: string;
}
