import type { BrokerConfig } from '../config/index.ts';
import { isLoopbackUrl } from '../config/loopback.ts';
import type { CheckProblem } from './check-problem.ts';

/**
 * What the schema cannot know about the mail settings: a `dev` transport on a public issuer never sends the
 * association links, and a SendGrid key that is not one is refused at the first e-mail, after the person waited.
 * Nothing is sent: a check must not mail anyone.
 */
export function checkMailSettings(config: Pick<BrokerConfig, 'mail' | 'issuer'>): CheckProblem[] {
  const problems: CheckProblem[] = [];
  const { mail } = config;
  if (mail.transport === 'dev' && !isLoopbackUrl(new URL(config.issuer))) {
    problems.push({
      key: 'mail.transport',
      problem: `dev sends no e-mail (messages only appear at /dev/mailbox), but the issuer ${config.issuer} is public`,
      fix: 'transport: sendgrid, with mail.sendgrid.apiKey: "${SENDGRID_API_KEY}"',
    });
  }
  if (mail.transport === 'sendgrid' && mail.sendgrid) {
    if (!mail.sendgrid.apiKey.startsWith('SG.')) {
      problems.push({
        key: 'mail.sendgrid.apiKey',
        problem: 'is not a SendGrid API key (they start with "SG.")',
        fix: 'create an API key with the Mail Send permission in SendGrid and set apiKey: "${SENDGRID_API_KEY}"',
      });
    }
    const base = new URL(mail.sendgrid.baseUrl);
    if (base.protocol !== 'https:' && !isLoopbackUrl(base)) {
      problems.push({
        key: 'mail.sendgrid.baseUrl',
        problem: 'must be https: it carries the API key and the links',
        fix: 'baseUrl: https://api.sendgrid.com (or https://api.eu.sendgrid.com)',
      });
    }
  }
  return problems;
}
