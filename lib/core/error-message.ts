// What an error says, for a log line or a message: the one conversion of a thrown value to text.

/** The message of an Error, or the text of anything else that was thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The same with the Error's name first (`TypeError: x is not a function`), for a fault that names its kind. */
export function namedMessageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
