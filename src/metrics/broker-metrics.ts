import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * What an operator watches: traffic, sign-in outcomes, the association funnel, refusals, e-mail and webhook delivery.
 */
export interface BrokerMetrics {
  readonly registry: Registry;
  readonly httpRequests: Histogram<'method' | 'route' | 'status'>;
  readonly signIns: Counter<'outcome'>;
  readonly associations: Counter<'step'>;
  readonly refusals: Counter<'code'>;
  readonly mailAttempts: Counter<'template' | 'outcome'>;
  readonly upstreamFailures: Counter<'upstream' | 'cause'>;
  readonly webhookAttempts: Counter<'type' | 'outcome'>;
  readonly webhookPublishFailures: Counter<'type'>;
}

/** A registry of its own per broker (tests run several brokers in one process), with Node's default metrics. */
export function createBrokerMetrics(): BrokerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'broker_' });
  return {
    registry,
    httpRequests: new Histogram({
      name: 'broker_http_request_duration_seconds',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    signIns: new Counter({
      name: 'broker_sign_ins_total',
      help: 'Upstream sign-ins back at the broker, by outcome (linked, not-linked, account-disabled)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    associations: new Counter({
      name: 'broker_associations_total',
      help: 'Association flow steps (requested, confirmed)',
      labelNames: ['step'],
      registers: [registry],
    }),
    refusals: new Counter({
      name: 'broker_refusals_total',
      help: 'Requests refused with a known error, by code (LINK.EXPIRED, UPSTREAM.DENIED, ...)',
      labelNames: ['code'],
      registers: [registry],
    }),
    mailAttempts: new Counter({
      name: 'broker_mail_attempts_total',
      help: 'E-mail delivery attempts by template and outcome (sent, retry, failed)',
      labelNames: ['template', 'outcome'],
      registers: [registry],
    }),
    upstreamFailures: new Counter({
      name: 'broker_upstream_failures_total',
      help: 'Failed calls to upstream identity providers, by upstream and cause (unreachable, issuer, client-auth, auth-time, ...)',
      labelNames: ['upstream', 'cause'],
      registers: [registry],
    }),
    webhookAttempts: new Counter({
      name: 'broker_webhook_attempts_total',
      help: 'Webhook delivery tries by event type and outcome (delivered, retry, failed, rejected); alert on failed and rejected',
      labelNames: ['type', 'outcome'],
      registers: [registry],
    }),
    webhookPublishFailures: new Counter({
      name: 'broker_webhook_publish_failures_total',
      help: 'Events that could not be stored for delivery (the action that caused them went on), by type',
      labelNames: ['type'],
      registers: [registry],
    }),
  };
}
