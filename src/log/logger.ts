import { pino, type Logger, type LevelWithSilent } from 'pino';

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
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
          '*.password',
          '*.token',
          '*.clientSecret',
          '*.apiKey',
          '*.code_verifier',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
