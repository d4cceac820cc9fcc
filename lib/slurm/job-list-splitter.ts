// Reads a `GET jobs` body as it arrives, in any number of chunks, without holding it: the
// top-level `jobs` array is cut into its elements, and only the elements that `keep` accepts
// (those whose bytes hold the deployer's label) are parsed; the rest of the body (meta, warnings,
// last_update...) is kept as the envelope. Memory is the envelope, one element, and the kept jobs,
// whatever the list's size: a list of 100,000 jobs (~800 MB pretty-printed) is more than one V8
// string can hold, so it cannot be parsed whole at all.
//
// It is a splitter, not a validator: bytes of dropped elements are only scanned for strings and
// brackets. The envelope and each kept element go through JSON.parse.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** Bytes that change the splitter's state outside strings (all others are skipped). */
const INTERESTING = new Uint8Array(256);
for (const b of [QUOTE, OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY, COMMA, COLON]) INTERESTING[b] = 1;
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
/** The body outside its `jobs` array is a few KB (meta, warnings, errors): more is no job list. */
const MAX_ENVELOPE_BYTES = 64 * 1024 * 1024;

export type SplitList =
  | {
      /** The body without the `jobs` array's elements, parsed, with the kept elements (parsed) as its `jobs`. */
      readonly body: unknown;
      /** Elements of the `jobs` array in all, kept or not. */
      readonly listed: number;
    }
  | { readonly malformed: string };

export class JobListSplitter {
  readonly #keep: (element: Buffer) => boolean;
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** At depth 1 (inside the top-level object) the next string is a key. */
  #expectKey = false;
  /** The key being read at depth 1, in pieces (it may span chunks). */
  #key: Buffer[] | undefined;
  #lastKey = '';
  /** Inside the top-level `jobs` array, between its brackets. */
  #inJobs = false;
  #jobsSeen = false;
  /** The element being read: its pieces from earlier chunks, and whether it is a scalar. */
  #element: Buffer[] | undefined;
  #scalar = false;
  readonly #envelope: Buffer[] = [];
  #envelopeBytes = 0;
  readonly #kept: unknown[] = [];
  #listed = 0;
  #malformed: string | undefined;

  constructor(keep: (element: Buffer) => boolean) {
    this.#keep = keep;
  }

  write(input: Uint8Array): void {
    if (this.#malformed !== undefined) return;
    const chunk = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const n = chunk.length;
    // Where in this chunk the element being read began (0 when it began in an earlier chunk).
    let elementAt = this.#element === undefined ? -1 : 0;
    // Where in this chunk the envelope resumes (-1: inside the jobs array).
    let envelopeAt = this.#inJobs ? -1 : 0;
    let keyAt = this.#key === undefined ? -1 : 0;
    let depth = this.#depth;
    let i = 0;
    while (i < n) {
      if (this.#inString) {
        // Jump to the next quote; it ends the string unless an odd run of backslashes precedes it.
        const q = this.#escaped ? i : chunk.indexOf(QUOTE, i);
        if (this.#escaped) {
          this.#escaped = false;
          i++;
          continue;
        }
        if (q < 0) {
          this.#escaped = endsInOddBackslashes(chunk, i, n);
          i = n;
          break;
        }
        let run = 0;
        for (let j = q - 1; j >= i && chunk[j] === BACKSLASH; j--) run++;
        i = q + 1;
        if (run % 2 === 1) continue;
        this.#inString = false;
        if (keyAt >= 0) {
          this.#lastKey = Buffer.concat([...(this.#key ?? []), chunk.subarray(keyAt, q)]).toString('utf8');
          this.#key = undefined;
          keyAt = -1;
        }
        if (this.#scalar && elementAt >= 0 && depth === 2) {
          this.#endElement(chunk, elementAt, i);
          elementAt = -1;
        }
        continue;
      }
      const b = chunk[i]!;
      if (INTERESTING[b] === 0) {
        if (this.#inJobs && depth === 2 && elementAt < 0 && !WHITESPACE.has(b)) {
          elementAt = i; // a number or literal: ends before the next comma or bracket
          this.#element = [];
          this.#scalar = true;
        }
        i++;
        continue;
      }
      if (this.#scalar && elementAt >= 0 && depth === 2 && (b === COMMA || b === CLOSE_ARRAY)) {
        this.#endElement(chunk, elementAt, i);
        elementAt = -1;
      }
      switch (b) {
        case QUOTE:
          this.#inString = true;
          if (depth === 1 && this.#expectKey) {
            keyAt = i + 1;
            this.#key = [];
          } else if (this.#inJobs && depth === 2 && elementAt < 0) {
            elementAt = i;
            this.#element = [];
            this.#scalar = true;
          }
          break;
        case OPEN_OBJECT:
        case OPEN_ARRAY:
          if (this.#inJobs && depth === 2 && elementAt < 0) {
            elementAt = i;
            this.#element = [];
            this.#scalar = false;
          }
          if (depth === 1 && b === OPEN_ARRAY && this.#lastKey === 'jobs' && !this.#expectKey && !this.#jobsSeen) {
            this.#addEnvelope(chunk, envelopeAt, i + 1);
            envelopeAt = -1;
            this.#inJobs = true;
          }
          depth++;
          if (depth === 1) this.#expectKey = b === OPEN_OBJECT;
          break;
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          depth--;
          if (depth < 0) return this.#fail('more closing brackets than opening ones');
          if (this.#inJobs && depth === 2 && elementAt >= 0 && !this.#scalar) {
            this.#endElement(chunk, elementAt, i + 1);
            elementAt = -1;
          } else if (this.#inJobs && depth === 1) {
            this.#inJobs = false;
            this.#jobsSeen = true;
            envelopeAt = i;
          }
          break;
        case COMMA:
          if (depth === 1) this.#expectKey = true;
          break;
        case COLON:
          if (depth === 1) this.#expectKey = false;
          break;
        default:
      }
      if (this.#malformed !== undefined) return;
      i++;
    }
    this.#depth = depth;
    if (elementAt >= 0) this.#element?.push(copy(chunk, elementAt, n));
    if (keyAt >= 0) this.#key?.push(copy(chunk, keyAt, n));
    if (envelopeAt >= 0) this.#addEnvelope(chunk, envelopeAt, n);
  }

  /** The body read, once every chunk was written. */
  end(): SplitList {
    if (this.#malformed !== undefined) return { malformed: this.#malformed };
    if (this.#inString || this.#depth !== 0 || this.#element !== undefined) return { malformed: 'the body ends inside a value' };
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(this.#envelope).toString('utf8')) as unknown;
    } catch (error) {
      return { malformed: String(error) };
    }
    if (this.#jobsSeen && typeof body === 'object' && body !== null) (body as { jobs: unknown[] }).jobs = this.#kept;
    return { body, listed: this.#listed };
  }

  /** The envelope so far, to tell what a body that is not JSON begins with. */
  get envelopeText(): string {
    return Buffer.concat(this.#envelope).toString('utf8');
  }

  #endElement(chunk: Buffer, from: number, to: number): void {
    const pieces = this.#element ?? [];
    const element = pieces.length === 0 ? chunk.subarray(from, to) : Buffer.concat([...pieces, chunk.subarray(from, to)]);
    this.#element = undefined;
    this.#listed++;
    // A scalar is no job: kept, so that the version's decoder refuses the list as it would whole.
    if (!this.#scalar && !this.#keep(element)) return;
    try {
      this.#kept.push(JSON.parse(element.toString('utf8')));
    } catch (error) {
      this.#fail(String(error));
    }
  }

  #addEnvelope(chunk: Buffer, from: number, to: number): void {
    this.#envelopeBytes += to - from;
    if (this.#envelopeBytes > MAX_ENVELOPE_BYTES) this.#fail(`over ${MAX_ENVELOPE_BYTES} bytes outside a jobs array`);
    else this.#envelope.push(copy(chunk, from, to));
  }

  #fail(why: string): void {
    this.#malformed ??= why;
  }
}

/** A copy: a chunk's memory is not held past the write that brought it. */
function copy(chunk: Buffer, from: number, to: number): Buffer {
  return Buffer.from(chunk.subarray(from, to));
}

function endsInOddBackslashes(chunk: Buffer, from: number, to: number): boolean {
  let run = 0;
  for (let j = to - 1; j >= from && chunk[j] === BACKSLASH; j--) run++;
  return run % 2 === 1;
}
