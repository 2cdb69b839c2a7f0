import { SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';

// Without a tracer provider (tracing off, the default) @opentelemetry/api hands out no-op spans: these cost a call.
const tracer = trace.getTracer('identity-broker');

/** Runs `work` in a span of its own (a child of the current one), ended and marked failed if `work` throws. */
export async function inSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The trace and span of the work under way, for log lines (`trace_id`, `span_id`); empty when nothing is traced. */
export function currentTraceIds(): { trace_id?: string; span_id?: string } {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !trace.isSpanContextValid(context)) return {};
  return { trace_id: context.traceId, span_id: context.spanId };
}
