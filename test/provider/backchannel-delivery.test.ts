import type { Logger } from '../../src/log/logger.ts';
import { deliverBackchannelLogoutInBackground } from '../../src/provider/logout/backchannel-delivery.ts';

/** oidc-provider's Client as far as back-channel logout goes: `backchannelLogout` answers as the portal does. */
function providerWithPortal(answers: Array<'ok' | 'fail' | 'hang'>) {
  const calls: Array<[string, string]> = [];
  class Client {
    clientId = 'portal';
    backchannelLogout(sub: string, sid: string): Promise<void> {
      calls.push([sub, sid]);
      const answer = answers[calls.length - 1] ?? 'ok';
      if (answer === 'ok') return Promise.resolve();
      if (answer === 'fail') return Promise.reject(new Error('expected 200 OK, got: 503 Service Unavailable'));
      return new Promise(() => undefined);
    }
  }
  return { provider: { Client } as never, Client, calls };
}

function recordingLogger() {
  const lines: Array<[level: string, message: string, fields: Record<string, unknown>]> = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) =>
    lines.push([level, message, fields]);
  return { logger: { info: at('info'), warn: at('warn'), error: at('error') } as unknown as Logger, lines };
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('back-channel logout delivery', () => {
  it('answers at once, even while the portal hangs, and retries until the portal accepts', async () => {
    const { provider, Client, calls } = providerWithPortal(['hang', 'fail', 'ok']);
    const { logger, lines } = recordingLogger();
    deliverBackchannelLogoutInBackground(provider, { logger, retryDelaysMs: [10, 10, 10], attemptTimeoutMs: 50 });

    await expect(new Client().backchannelLogout('sub-1', 'sid-1')).resolves.toBeUndefined();
    await until(() => lines.some(([level]) => level === 'info'));
    expect(calls).toEqual([
      ['sub-1', 'sid-1'],
      ['sub-1', 'sid-1'],
      ['sub-1', 'sid-1'],
    ]);
    expect(lines.map(([level, message, { attempt }]) => [level, message, attempt])).toEqual([
      ['warn', 'back-channel logout failed, will retry', 1],
      ['warn', 'back-channel logout failed, will retry', 2],
      ['info', 'back-channel logout delivered', 3],
    ]);
    expect(lines[0]![2].reason).toBe('no answer within 50 ms');
  });

  it('gives up after the last retry, logged as an error naming the portal', async () => {
    const { provider, Client, calls } = providerWithPortal(['fail', 'fail', 'fail', 'fail', 'ok']);
    const { logger, lines } = recordingLogger();
    deliverBackchannelLogoutInBackground(provider, { logger, retryDelaysMs: [5, 5, 5] });

    await new Client().backchannelLogout('sub-1', 'sid-1');
    await until(() => lines.some(([level]) => level === 'error'));
    expect(calls).toHaveLength(4);
    expect(lines.at(-1)).toEqual([
      'error',
      'back-channel logout failed, giving up',
      expect.objectContaining({ clientId: 'portal', attempt: 4 }),
    ]);
  });
});
