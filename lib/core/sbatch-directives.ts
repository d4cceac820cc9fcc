// Reads the `#SBATCH` lines of a batch script as sbatch does (src/sbatch/opt.c): the lines that
// start with `#SBATCH` before the first line that is neither blank nor a comment; each split into
// arguments with sbatch's quoting (' " \) and an unquoted # ending it; then the arguments read
// as getopt_long reads them, across lines, the last of an option winning. Pure.

import { nearestName } from './nearest-name.js';
import { OWNED_OPTIONS, SBATCH_OPTIONS, type SbatchOption } from './sbatch-option-table.js';

export interface DirectiveValue {
  readonly option: SbatchOption;
  /** The field's value as the option's text gave it (not yet checked against the field's codec). */
  readonly value: unknown;
  /** 1-based line of the script. */
  readonly line: number;
  /** The option as the script wrote it: -N or --nodes. */
  readonly shown: string;
}

export type DirectiveReading = { readonly ok: true; readonly values: readonly DirectiveValue[] } | { readonly ok: false; readonly reason: string };

interface Argument {
  readonly text: string;
  readonly line: number;
}

const MAGIC = '#SBATCH';
const LONG_NAMES = SBATCH_OPTIONS.map((o) => o.long);

/** The values the script's directives give, in order; or why one of them is not taken. */
export function readDirectives(script: string): DirectiveReading {
  const args: Argument[] = [];
  // Line by line without splitting the whole script (4 MB at most): reading stops at the first command.
  for (let start = 0, number = 1; start <= script.length; number++) {
    const end = script.indexOf('\n', start);
    const line = script.slice(start, end < 0 ? script.length : end);
    start = end < 0 ? script.length + 1 : end + 1;
    if (!line.startsWith(MAGIC)) {
      // A command ends the directives; blank lines and comments (the shebang too) do not.
      const first = /\S/.exec(line)?.[0];
      if (first !== undefined && first !== '#') break;
      continue;
    }
    const words = splitArguments(line.slice(MAGIC.length));
    if (words === undefined) return failed(number, 'a quote is not closed');
    for (const text of words) args.push({ text, line: number });
  }
  return readArguments(args);
}

/** sbatch's _get_argument, repeated: undefined when a quote is left open. */
function splitArguments(rest: string): string[] | undefined {
  const words: string[] = [];
  let i = 0;
  for (;;) {
    while (i < rest.length && /\s/.test(rest[i] as string)) i++;
    if (i >= rest.length) return words;
    let word = '';
    let quote: string | undefined;
    let comment = false;
    for (; i < rest.length; i++) {
      const c = rest[i] as string;
      if (quote === undefined && /\s/.test(c)) break;
      if (c === '\\' && i + 1 < rest.length) word += rest[++i];
      else if (quote !== undefined) c === quote ? (quote = undefined) : (word += c);
      else if (c === '"' || c === "'") quote = c;
      else if (c === '#') {
        comment = true;
        break;
      } else word += c;
    }
    if (quote !== undefined) return undefined;
    if (word !== '' || !comment) words.push(word);
    if (comment) return words;
  }
}

function readArguments(args: readonly Argument[]): DirectiveReading {
  const values: DirectiveValue[] = [];
  for (let i = 0; i < args.length; i++) {
    const { text, line } = args[i] as Argument;
    const named = optionNamed(text, line);
    if ('reason' in named) return { ok: false, reason: named.reason };
    const { option, inline, shown } = named;
    let given = inline;
    if (option.argument === 'none' && given !== undefined) return failed(line, `${shown} takes no value`);
    if (option.argument === 'required' && given === undefined) {
      const next = args[i + 1];
      if (next === undefined) return failed(line, `${shown} needs a value`);
      given = next.text;
      i++;
    }
    const value = option.read(given);
    if (value === undefined) return failed(line, `${shown}: expected ${option.form ?? 'a value'}`);
    values.push({ option, value, line, shown });
  }
  return { ok: true, values };
}

type Named = { readonly option: SbatchOption; readonly inline: string | undefined; readonly shown: string } | { readonly reason: string };

function optionNamed(text: string, line: number): Named {
  if (text.startsWith('--') && text.length > 2) {
    const eq = text.indexOf('=');
    const name = eq < 0 ? text.slice(2) : text.slice(2, eq);
    const shown = `--${printable(name)}`;
    const option = SBATCH_OPTIONS.find((o) => o.long === name);
    if (option !== undefined) return { option, inline: eq < 0 ? undefined : text.slice(eq + 1), shown };
    return { reason: refusal(line, shown, name) };
  }
  if (text.startsWith('-') && text.length > 1 && text[1] !== '-') {
    const letter = text[1] as string;
    const shown = `-${printable(letter)}`;
    const option = SBATCH_OPTIONS.find((o) => o.short === letter);
    if (option === undefined) return { reason: refusal(line, shown, letter) };
    const rest = text.slice(2);
    if (option.argument !== 'required' && rest !== '') return { reason: `script line ${line}: ${printable(text.slice(0, 12))}: give each flag on its own (-${letter})` };
    return { option, inline: rest === '' ? undefined : rest, shown };
  }
  return { reason: `script line ${line}: an argument that is not an option (sbatch options start with - or --)` };
}

/** Why an option is not taken: the deployer owns it, or does not know it (and which it meant). */
function refusal(line: number, shown: string, name: string): string {
  const owned = OWNED_OPTIONS[name];
  if (owned !== undefined) return `script line ${line}: ${shown} is not accepted: ${owned}`;
  if (name.length > 1) {
    const whole = LONG_NAMES.filter((n) => n.startsWith(name));
    if (whole.length === 1) return `script line ${line}: ${shown}: write the whole option name, --${whole[0]}`;
    const meant = nearestName(name, LONG_NAMES);
    if (meant !== undefined) return `script line ${line}: ${shown} is not an option the deployer takes; did you mean --${meant}?`;
  }
  return `script line ${line}: ${shown} is not an option the deployer takes (see docs/deployments.md#the-deployments-args for those it takes)`;
}

function failed(line: number, what: string): DirectiveReading {
  return { ok: false, reason: `script line ${line}: ${what}` };
}

/** Option names come from users' scripts: printable and short in reasons. */
function printable(name: string): string {
  const p = name.replace(/[^\x20-\x7e]/g, '?');
  return p.length > 40 ? `${p.slice(0, 40)}...` : p;
}
