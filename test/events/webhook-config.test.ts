import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../../src/config/index.ts';
import { webhookEndpoints } from '../../src/events/webhook-endpoints.ts';
import { baseConfigDocument } from '../support/config.ts';
import { newWebhookSecret } from './support/webhook-secret.ts';

const SECRET = newWebhookSecret();
const CRM = 'https://crm.example.com/hooks/broker';

function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const withWebhooks = (webhooks: unknown[], env: NodeJS.ProcessEnv = {}) =>
  parseConfig(baseConfigDocument({ webhooks }), env);

describe('webhooks in the configuration', () => {
  it('takes an endpoint whose secret comes from the environment, private networks refused by default', () => {
    const config = withWebhooks([{ url: CRM, secret: '${CRM_WEBHOOK_SECRET}', events: ['membership.added'] }], {
      CRM_WEBHOOK_SECRET: SECRET,
    });
    expect(config.webhooks).toEqual([
      { url: CRM, secret: SECRET, events: ['membership.added'], allowPrivateNetwork: false },
    ]);
  });

  it('has no endpoints unless some are configured', () => {
    expect(parseConfig(baseConfigDocument(), {}).webhooks).toEqual([]);
  });

  it.each([
    [
      'an http URL off loopback',
      { url: 'http://crm.example.com/hooks', secret: SECRET, events: ['*'] },
      'webhooks[0].url: must be an https URL',
    ],
    [
      'a secret not in the whsec_ form',
      { url: CRM, secret: 'not-a-secret', events: ['*'] },
      'webhooks[0].secret: must be whsec_ followed by base64',
    ],
    [
      'a secret of 16 bytes',
      { url: CRM, secret: `whsec_${Buffer.alloc(16).toString('base64')}`, events: ['*'] },
      'webhooks[0].secret: must hold 24 to 64 random bytes after whsec_ (it holds 16)',
    ],
    ['no secret at all', { url: CRM, events: ['*'] }, 'webhooks[0].secret: is required (or secretFile)'],
    [
      'both secret and secretFile',
      { url: CRM, secret: SECRET, secretFile: '/run/secrets/crm', events: ['*'] },
      'webhooks[0].secretFile: cannot be used together with secret',
    ],
    [
      'a previous secret not in the whsec_ form',
      { url: CRM, secret: SECRET, previousSecret: 'old', events: ['*'] },
      'webhooks[0].previousSecret: must be whsec_ followed by base64',
    ],
    [
      'a previous secret equal to the secret',
      { url: CRM, secret: SECRET, previousSecret: SECRET, events: ['*'] },
      'webhooks[0].previousSecret: is the same as secret: set the new secret in secret',
    ],
    [
      'an unknown event',
      { url: CRM, secret: SECRET, events: ['user.created'] },
      'webhooks[0].events[0]: must be one of association.',
    ],
    ['no events', { url: CRM, secret: SECRET, events: [] }, 'webhooks[0].events: must list at least one event'],
    [
      '"*" with another event',
      { url: CRM, secret: SECRET, events: ['*', 'account.changed'] },
      'webhooks[0].events: "*" already means every event: list it alone',
    ],
    [
      'an event twice',
      { url: CRM, secret: SECRET, events: ['account.changed', 'account.changed'] },
      'webhooks[0].events: lists account.changed twice',
    ],
    [
      'a loopback URL without allowPrivateNetwork',
      { url: 'http://127.0.0.1:8080/hooks', secret: SECRET, events: ['*'] },
      'webhooks[0].url: names a private or loopback address: set allowPrivateNetwork: true to deliver there',
    ],
    [
      'a private IP literal without allowPrivateNetwork',
      { url: 'https://10.20.30.40/hooks', secret: SECRET, events: ['*'] },
      'webhooks[0].url: names a private or loopback address',
    ],
    [
      'an unknown key',
      { url: CRM, secret: SECRET, events: ['*'], retries: 3 },
      'webhooks[0]: Unrecognized key: "retries"',
    ],
  ])('refuses %s with one line naming the key', (_label, entry, line) => {
    const problems = problemsOf(() => withWebhooks([entry]));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(line);
  });

  it('refuses the same URL twice, naming the second entry', () => {
    const entry = { url: CRM, secret: SECRET, events: ['*'] };
    expect(problemsOf(() => withWebhooks([entry, { ...entry, events: ['account.changed'] }]))).toEqual([
      'webhooks[1].url: is configured twice',
    ]);
  });

  it('accepts a loopback or private endpoint once allowPrivateNetwork says so', () => {
    const config = withWebhooks([
      { url: 'http://127.0.0.1:8080/hooks', secret: SECRET, events: ['*'], allowPrivateNetwork: true },
      { url: 'https://10.20.30.40/hooks', secret: SECRET, events: ['*'], allowPrivateNetwork: true },
    ]);
    expect(config.webhooks.map((w) => w.allowPrivateNetwork)).toEqual([true, true]);
  });
});

describe('a secretFile', () => {
  const folder = mkdtempSync(join(tmpdir(), 'webhook-secret-'));
  const endpoint = (secretFile: string) =>
    withWebhooks([{ url: CRM, secretFile, events: ['account.changed'] }]).webhooks;

  it('is read at start-up, its trailing newline ignored, and used to sign', () => {
    const file = join(folder, 'good');
    writeFileSync(file, `${SECRET}\n`);
    const [configured] = webhookEndpoints(endpoint(file)).subscribedTo('account.changed');
    const fromSecret = webhookEndpoints(withWebhooks([{ url: CRM, secret: SECRET, events: ['*'] }]).webhooks);
    const at = new Date('2026-12-01T10:00:00Z');
    expect(configured?.sign('msg_1', at, '{}')).toBe(fromSecret.byUrl(CRM)?.sign('msg_1', at, '{}'));
    expect(configured?.sign('msg_1', at, '{}')).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it('that is missing stops the start with one line naming the key', () => {
    const missing = join(folder, 'missing');
    expect(problemsOf(() => webhookEndpoints(endpoint(missing)))).toEqual([
      `webhooks[0].secretFile: cannot read ${missing}: file not found`,
    ]);
  });

  it('that holds no whsec_ secret is refused without printing what it holds', () => {
    const file = join(folder, 'bad');
    writeFileSync(file, 'hunter2-the-password\n');
    const problems = problemsOf(() => webhookEndpoints(endpoint(file)));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^webhooks\[0\]\.secretFile: the secret in .* must be whsec_ followed by base64/);
    expect(problems[0]).not.toContain('hunter2');
  });
});
