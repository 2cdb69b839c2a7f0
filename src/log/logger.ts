import { pino, type Logger, type LevelWithSilent } from 'pino';
import { currentTraceIds } from '../tracing/spans.ts';

export type { Logger };

/**
 * Structured JSON logs. Redaction is a safety net for fields that may carry secrets if someone logs a request or
 * an error object wholesale; code must still never log a link token, password, cookie or client secret.
 */
export function createLogger(level: LevelWithSilent, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'identity-broker' },
      // Every line written while a request is traced names its trace (trace_id, span_id), to find the spans.
      mixin: currentTraceIds,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          '*.password',
          '*.token',
          '*.clientSecret',
          '*.secret',
          '*.previousSecret',
          '*.apiKey',
          '*.code_verifier',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
