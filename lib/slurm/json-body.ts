// What a slurmrestd answer's body says as JSON, if it is JSON at all.

/** A 304 or an error page has an empty or text body: parse only what looks like JSON. */
export function jsonOf(text: string, contentType: string | undefined): unknown {
  const trimmed = text.trim();
  if (trimmed === '' || !(contentType?.includes('json') || trimmed.startsWith('{'))) return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}
