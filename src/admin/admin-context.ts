import type { Connection } from 'mongoose';
import type { PeopleDirectory } from '../accounts/people-directory.ts';
import type { AuditTrail, Mailer } from '../linking/ports.ts';
import type { LinkingContext } from '../linking/linking-context.ts';

/** What the admin operations work with; built once by the composition root. */
export interface AdminContext {
  db: Connection;
  /** The association flow's own ports: resend, cancel and link-on-behalf go through its rules. */
  linking: LinkingContext;
  audit: AuditTrail;
  mailer: Mailer;
  /** People and accounts: every change through it is seen by the next sign-in in every process. */
  directory: PeopleDirectory;
  /** The configured upstreams, to turn an `upstreamId` given by staff into the issuer identities are stored with. */
  upstreamIssuer(upstreamId: string): string | undefined;
  now(): Date;
}
