import { createDemoPortal } from '../../parties/demo-portal.ts';
import { mailOf, startSendGridSink, type SendGridSink, type SentMail } from '../../support/sendgrid-sink.ts';

export type { SentMail };
import { startStack, TEST_CLIENTS, type Stack } from '../../support/stack.ts';
import { closeServer, listenOnLoopback } from '../../parties/loopback-server.ts';
import { demoBranding } from '../../parties/demo-branding.ts';

const SENDGRID_KEY = 'SG.e2e-test-key';
/** `mail.support`: named on the association page for people who don't know their registered address. */
export const SUPPORT_ADDRESS = 'help@broker.example';

/** A demo portal as the browser sees it: its own origin, its name as the page heading. */
export interface E2ePortal {
  clientId: string;
  name: string;
  /** Origin without a trailing slash; the home page is `${url}/`. */
  url: string;
}

export interface E2eStack {
  stack: Stack;
  sink: SendGridSink;
  /** CustomerSource: no requirement. */
  customerSource: E2ePortal;
  /** PartnerSource: requires an active support plan. */
  partnerSource: E2ePortal;
  /** Runs the broker's outbox worker once and returns the e-mails the SendGrid sink received meanwhile. */
  deliverMail(): Promise<SentMail[]>;
  close(): Promise<void>;
}

/**
 * Everything the customer's story needs (`extra`: more configuration, such as the support console's) on 127.0.0.1, each on a port of its own: Demo ID and the broker (the
 * integration tests' stack), two real demo portals registered at the broker, and a SendGrid stand-in that receives
 * the e-mails. The outbox worker is not started: a test delivers mail when it wants to (`deliverMail`), so nothing
 * depends on a poll interval.
 */
export async function startE2eStack(
  extra?: (urls: { brokerUrl: string; upstreamUrl: string }) => Record<string, unknown>,
): Promise<E2eStack> {
  const sink = await startSendGridSink({ apiKey: SENDGRID_KEY });
  // Listen first to learn the ports: the broker registers the portals by URL, the portals discover the broker.
  const customerServer = await listenOnLoopback();
  const partnerServer = await listenOnLoopback();
  const [customerClient, partnerClient] = TEST_CLIENTS;
  const registration = (url: string) => ({
    redirectUris: [`${url}/callback`],
    postLogoutRedirectUris: [`${url}/`],
    homeUrl: `${url}/`,
  });

  let stack: Stack;
  try {
    stack = await startStack((urls) => ({
      // The demo company's brand, so every page and screenshot shows the broker as a customer meets it.
      branding: demoBranding(customerServer.url),
      ...extra?.(urls),
      clients: [
        { ...customerClient, ...registration(customerServer.url) },
        { ...partnerClient, ...registration(partnerServer.url) },
        // Third Party asks for consent; it has no demo portal (its consent page is all a test looks at).
        TEST_CLIENTS[2],
      ],
      mail: {
        from: { email: 'accounts@broker.example', name: 'Customer Accounts' },
        support: SUPPORT_ADDRESS,
        transport: 'sendgrid',
        sendgrid: { apiKey: SENDGRID_KEY, baseUrl: sink.url },
      },
      linking: { linkTtl: '1h', limits: { perIdentity: 50, perAddress: 50, perIp: 500 } },
    }));
  } catch (error) {
    await Promise.all([closeServer(customerServer.server), closeServer(partnerServer.server), sink.close()]);
    throw error;
  }

  const portals = [
    { server: customerServer, client: customerClient },
    { server: partnerServer, client: partnerClient },
  ];
  for (const { server, client } of portals) {
    const portal = createDemoPortal({
      baseUrl: server.url,
      issuer: stack.brokerUrl,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      name: client.name,
    });
    server.server.on('request', portal.callback);
  }

  return {
    stack,
    sink,
    customerSource: { clientId: customerClient.clientId, name: customerClient.name, url: customerServer.url },
    partnerSource: { clientId: partnerClient.clientId, name: partnerClient.name, url: partnerServer.url },
    async deliverMail() {
      const before = sink.received.length;
      await stack.broker.deliverMail();
      return sink.received.slice(before).map(mailOf);
    },
    async close() {
      await Promise.all([closeServer(customerServer.server), closeServer(partnerServer.server)]);
      await stack.close();
      await sink.close();
    },
  };
}
