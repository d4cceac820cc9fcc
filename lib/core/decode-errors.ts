// The reason an io-ts decode failed, in words: the path of each failing field and what it should
// have been, never its value (it may be a secret, or huge). Every decoder at an edge says it so.

import type * as t from 'io-ts';

export interface DecodeErrorWords {
  /** The name of the decoded value: the path of a failure at its top (`(body)`). */
  readonly root: string;
  /** Every path starts from the root (`args.time_limit`) rather than only at the top. */
  readonly rootInPath?: boolean;
  /** How many different failures to name. Default 1: the first. */
  readonly most?: number;
  /** Keys come from users: how to print one (safely). */
  readonly key?: (key: string) => string;
  /** What a codec's name means in words, given the failing value; undefined keeps the name. */
  readonly expected?: (codecName: string, value: unknown) => string | undefined;
}

/** `path: expected what`, one for each failure named, joined by `; `. */
export function describeDecodeErrors(errors: t.Errors, words: DecodeErrorWords): string {
  const found = new Set<string>();
  for (const error of errors) {
    // The context runs from the root codec down to the failing value. Union and intersection
    // members are entries too: only the keys of objects, records and arrays make the path.
    const steps = error.context.filter((_c, i) => i > 0 && holdsFields(error.context[i - 1]?.type));
    const keys = steps.map((c) => (words.key === undefined ? c.key : words.key(c.key)));
    const path = words.rootInPath === true ? [words.root, ...keys].join('.') : keys.join('.') || words.root;
    const name = (steps.at(-1) ?? error.context[0])?.type.name ?? 'a value';
    found.add(`${path}: expected ${words.expected?.(name, error.value) ?? name}`);
    if (found.size >= (words.most ?? 1)) break;
  }
  return found.size === 0 ? `${words.root}: invalid` : [...found].join('; ');
}

const FIELD_HOLDERS: ReadonlySet<string> = new Set(['InterfaceType', 'PartialType', 'ArrayType', 'DictionaryType']);
/** Codecs that hand the context on to the codec they wrap. */
const WRAPPERS: ReadonlySet<string> = new Set(['ExactType', 'RefinementType']);

/** Whether the entries after a codec's are its fields (or elements), seen through exact, refinements and brands. */
function holdsFields(type: t.Decoder<unknown, unknown> | undefined): boolean {
  for (let codec: unknown = type, depth = 0; codec !== undefined && depth < 8; depth++) {
    const tag = (codec as { _tag?: unknown })._tag;
    if (typeof tag !== 'string') return false;
    if (FIELD_HOLDERS.has(tag)) return true;
    if (!WRAPPERS.has(tag)) return false;
    codec = (codec as { type?: unknown }).type;
  }
  return false;
}
