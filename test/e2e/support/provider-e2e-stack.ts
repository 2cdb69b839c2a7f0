import { createDemoPortal } from '../../parties/demo-portal.ts';
import { closeServer, listenOnLoopback } from '../../parties/loopback-server.ts';
import { startProviderStack, type ProviderStack, type UpstreamParty } from '../../support/provider-stack.ts';
import { TEST_CLIENTS } from '../../support/stack.ts';
import type { UpstreamDouble } from '../../support/upstream-doubles/contract.ts';
import type { E2ePortal } from './e2e-stack.ts';

export interface ProviderE2eStack {
  stack: ProviderStack;
  /** CustomerSource, a real demo portal on its own origin: no requirement. */
  customerSource: E2ePortal;
  close(): Promise<void>;
}

/** A provider double as one of the broker's `upstreams[]`, closed with the stack. */
export function upstreamParty(double: UpstreamDouble, id: string, name: string): UpstreamParty {
  return { entry: double.upstreamConfig(id, name), close: () => double.close() };
}

/**
 * The broker federating to provider doubles (the integration tests' provider stack, with its SendGrid sink and
 * `deliverMail()`), and CustomerSource as a real demo portal a browser can use. The portal listens first: the
 * broker registers it by URL (redirect URI, post-logout URI, home page), and it discovers the broker on its first
 * sign-in.
 */
export async function startProviderE2eStack(
  upstreams: (brokerUrl: string) => Promise<UpstreamParty[]>,
): Promise<ProviderE2eStack> {
  const portalServer = await listenOnLoopback();
  const [customerClient] = TEST_CLIENTS;
  let stack: ProviderStack;
  try {
    stack = await startProviderStack(upstreams, {
      clients: [
        {
          ...customerClient,
          redirectUris: [`${portalServer.url}/callback`],
          postLogoutRedirectUris: [`${portalServer.url}/`],
          homeUrl: `${portalServer.url}/`,
        },
      ],
    });
  } catch (error) {
    await closeServer(portalServer.server);
    throw error;
  }
  const portal = createDemoPortal({
    baseUrl: portalServer.url,
    issuer: stack.brokerUrl,
    clientId: customerClient.clientId,
    clientSecret: customerClient.clientSecret,
    name: customerClient.name,
  });
  portalServer.server.on('request', portal.callback);
  return {
    stack,
    customerSource: { clientId: customerClient.clientId, name: customerClient.name, url: portalServer.url },
    async close() {
      await closeServer(portalServer.server);
      await stack.close();
    },
  };
}
