import { register } from 'node:module';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface Tracing {
  /** Sends what is still buffered and stops (at shutdown, so the last requests' spans are not lost). */
  shutdown(): Promise<void>;
}

/** The OTLP/HTTP traces URL for a collector's base endpoint (`http://collector:4318`), as the OTel spec derives it. */
export function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

/**
 * OpenTelemetry for the broker: a span per incoming request and per outgoing HTTP call (the upstream's token
 * endpoint gets W3C `traceparent`), per Redis command and per MongoDB operation, from the maintained instrumentations
 * (http, undici, ioredis, mongodb); the broker adds its own for mail delivery (tracing/spans.ts). Must run before
 * the modules it instruments are imported (main.ts imports the broker afterwards): the broker is ESM, so the
 * instrumentations see ioredis, mongodb and node:http through the import-in-the-middle loader hook registered here.
 */
export function startTracing(options: { endpoint: string; serviceName?: string }): Tracing {
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const exporter = new OTLPTraceExporter({ url: tracesUrl(options.endpoint) });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName ?? 'identity-broker' }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  // W3C trace context (the default propagator) and AsyncLocalStorage, so a request's spans and logs share its trace.
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      // Probes and scrapes every few seconds would bury the sign-ins.
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => /^\/(healthz|readyz|metrics)\b/.test(request.url ?? ''),
      }),
      new UndiciInstrumentation(),
      new IORedisInstrumentation({ requireParentSpan: true }),
      new MongoDBInstrumentation({ requireParentSpan: true }),
    ],
  });
  return { shutdown: () => provider.shutdown() };
}
