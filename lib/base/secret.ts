// A value that must never be printed: logs, errors, metrics and JSON all see a placeholder.

const REDACTED = '[redacted]';

/** A value that must never be printed (a token, a password): logs, errors, metrics and JSON all see `[redacted]`; `reveal()` gives it where it is sent. */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The one way to read the value: at the point where it is sent to its server. */
  reveal(): string {
    return this.#value;
  }

  /** `[redacted]`. */
  toString(): string {
    return REDACTED;
  }

  /** `[redacted]`, in JSON. */
  toJSON(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}
