import type { MailMessage, OutboxMessage } from './outbox-store.ts';
import { createValueSealer, type ValueSealer } from './sealed-values.ts';

// Values a template may not take from the readable `data`: they are credentials.
const SECRET_KEYS = ['link', 'notMeLink'];

// The sealed values are bound to the message: copied to another one, or with the recipient changed, they no longer
// open (sealed-values.ts says why).
function binding(id: string, to: string, template: string): string {
  return `${id}\n${to}\n${template}`;
}

/**
 * How every outbox store keeps a message's secret values: sealed when it is queued, opened only to render it. Each
 * store erases them itself when the message leaves `pending`.
 */
export class OutboxSecrets {
  readonly #sealer: ValueSealer;

  /** `sealingKeys`: the configuration's cookie keys; the first seals, every one opens. */
  constructor(sealingKeys: readonly string[]) {
    this.#sealer = createValueSealer(sealingKeys);
  }

  /** The sealed secrets of a message about to be stored under `id` (null without any); refuses a readable one. */
  seal(id: string, message: OutboxMessage): string | null {
    const leaked = SECRET_KEYS.find((key) => key in message.data);
    // A programming error, caught by the tests of whoever adds a message: the value is not named, it is a credential.
    if (leaked) throw new Error(`outbox: "${leaked}" must be passed as a secret value, never in readable data`);
    return message.secret ? this.#sealer.seal(message.secret, binding(id, message.to, message.template)) : null;
  }

  /** The template values to render now: the readable data and the opened secrets. Throws when they cannot be opened. */
  templateValues(message: MailMessage): Record<string, unknown> {
    if (!message.sealed) return { ...message.data };
    return { ...message.data, ...this.#sealer.open(message.sealed, binding(message.id, message.to, message.template)) };
  }
}
