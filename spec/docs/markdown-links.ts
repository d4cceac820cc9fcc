// Checks the links of Markdown files as GitHub renders them: every relative link leads to a file
// of the repository, every #fragment to a heading of its target (GitHub's slugs), every backticked
// repository path (`scripts/demo.sh`, `deploy/prometheus/tests/*.yml`) names files that exist,
// and every http(s) link is a well-formed URL (never fetched). Parsing is markdown-it's.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The part of markdown-it's token this checker reads. */
interface Token {
  readonly type: string;
  readonly tag: string;
  readonly content: string;
  readonly map: [number, number] | null;
  readonly children: Token[] | null;
  attrGet(name: string): string | null;
}

interface MarkdownIt {
  parse(source: string, env: object): Token[];
}

// markdown-it ships no types of its own; its CommonJS build through require keeps the spec free
// of a hand-written declaration.
const MarkdownItConstructor = createRequire(import.meta.url)('markdown-it') as new (options?: object) => MarkdownIt;
const markdown = new MarkdownItConstructor({ html: true });

export interface LinkProblem {
  /** The Markdown file, relative to the root. */
  readonly file: string;
  readonly line: number;
  readonly problem: string;
}

/**
 * GitHub's heading anchor (as github-slugger makes it): lower case, punctuation and symbols
 * dropped (hyphens and underscores kept), each space a hyphen. Repeats are numbered by `anchors`.
 */
export function githubSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a Markdown text's headings, in order; a repeated slug gets -1, -2, ... */
export function anchors(source: string): string[] {
  const seen = new Map<string, number>();
  const out: string[] = [];
  const tokens = markdown.parse(source, {});
  tokens.forEach((token, i) => {
    if (token.type !== 'heading_open') return;
    const base = githubSlug(plainText(tokens[i + 1]));
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    out.push(count === 0 ? base : `${base}-${count}`);
  });
  return out;
}

/** Every problem of the given Markdown files (paths relative to root). */
export function checkMarkdown(root: string, files: readonly string[]): LinkProblem[] {
  const anchorCache = new Map<string, readonly string[]>();
  const anchorsOf = (file: string): readonly string[] => {
    let found = anchorCache.get(file);
    if (found === undefined) anchorCache.set(file, (found = anchors(readFileSync(file, 'utf8'))));
    return found;
  };
  const topLevel = topLevelDirectories(root);
  const ignored = ignoredPaths(root);
  const problems: LinkProblem[] = [];
  for (const file of files) {
    const absolute = path.join(root, file);
    for (const { line, kind, value } of references(readFileSync(absolute, 'utf8'))) {
      const problem = kind === 'link' ? linkProblem(root, absolute, value, anchorsOf) : pathProblem(root, value, topLevel, ignored);
      if (problem !== undefined) problems.push({ file, line, problem });
    }
  }
  return problems;
}

/** README.md and every .md under docs/, relative to root. */
export function documentationFiles(root: string): string[] {
  const docs = path.join(root, 'docs');
  const pages = existsSync(docs) ? walk(docs).filter((f) => f.endsWith('.md')).map((f) => path.relative(root, f)) : [];
  return ['README.md', ...pages.sort()];
}

interface Reference {
  readonly line: number;
  readonly kind: 'link' | 'code';
  readonly value: string;
}

/** Links (inline, reference-style, images) and code spans, with the line of their block. */
function references(source: string): Reference[] {
  const out: Reference[] = [];
  for (const block of markdown.parse(source, {})) {
    // Inline tokens have no line of their own: count the line breaks before them in their block.
    let line = (block.map?.[0] ?? 0) + 1;
    for (const token of block.children ?? []) {
      if (token.type === 'softbreak' || token.type === 'hardbreak') line++;
      if (token.type === 'link_open') out.push({ line, kind: 'link', value: token.attrGet('href') ?? '' });
      if (token.type === 'image') out.push({ line, kind: 'link', value: token.attrGet('src') ?? '' });
      if (token.type === 'code_inline') out.push({ line, kind: 'code', value: token.content });
    }
  }
  return out;
}

function linkProblem(root: string, from: string, href: string, anchorsOf: (file: string) => readonly string[]): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href)) return externalProblem(href);
  if (href.startsWith('/')) return `link ${href}: an absolute path; write it relative to this file`;
  const [rawPath = '', rawFragment] = href.split('#', 2);
  const target = rawPath === '' ? from : path.resolve(path.dirname(from), decodeURIComponent(rawPath));
  const shown = path.relative(root, target) || '.';
  if (path.relative(root, target).startsWith('..')) return `link ${href}: leads outside the repository`;
  if (!existsSync(target)) return `link ${href}: ${shown} does not exist`;
  if (rawFragment === undefined || rawFragment === '') return undefined;
  const fragment = decodeURIComponent(rawFragment);
  if (!target.endsWith('.md')) {
    return /^L\d+(-L\d+)?$/.test(fragment) ? undefined : `link ${href}: #${fragment} in a file that is not Markdown`;
  }
  return anchorsOf(target).includes(fragment) ? undefined : `link ${href}: ${shown} has no heading #${fragment}`;
}

function externalProblem(href: string): string | undefined {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return `link ${href}: not a well-formed URL`;
  }
  if (url.protocol === 'mailto:') return undefined;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `link ${href}: scheme ${url.protocol} is not http or https`;
  if (!/^(localhost|[a-z0-9-]+(\.[a-z0-9-]+)+|\[[0-9a-f:.]+\])$/i.test(url.hostname)) return `link ${href}: no usable host name`;
  return undefined;
}

/**
 * A code span naming a path of the repository: its first word starts with a top-level folder
 * (`scripts/...`, `spec/**\/*.ts`); placeholders (`<id>`, `{a,b}`, `$VAR`) are not paths, nor is
 * what .gitignore names (output a script writes, such as the bench's results).
 */
function pathProblem(root: string, code: string, topLevel: ReadonlySet<string>, ignored: readonly string[]): string | undefined {
  const word = code.trim().split(/\s+/)[0] ?? '';
  const first = word.replace(/^\.\//, '').split('/')[0] ?? '';
  if (!word.includes('/') || !topLevel.has(first) || /[<>{}$]/.test(word)) return undefined;
  const wanted = word.replace(/^\.\//, '');
  if (ignored.some((entry) => wanted === entry || (entry.endsWith('/') && wanted.startsWith(entry)))) return undefined;
  if (!/[*?]/.test(wanted)) {
    const target = path.join(root, wanted);
    return existsSync(target) ? undefined : `\`${code}\`: ${wanted} does not exist`;
  }
  const literal = wanted.slice(0, wanted.search(/[*?]/)).replace(/[^/]*$/, '');
  const base = path.join(root, literal);
  const pattern = globPattern(wanted);
  const matches = existsSync(base) ? walk(base).map((f) => path.relative(root, f).split(path.sep).join('/')).filter((f) => pattern.test(f)) : [];
  return matches.length > 0 ? undefined : `\`${code}\`: no file matches ${wanted}`;
}

/** `**\/` any folders (or none), `*` and `?` within one name. */
function globPattern(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (glob.startsWith('**/', i)) {
      out += '(?:.*/)?';
      i += 2;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** The paths .gitignore names from the root (`a/b.json`, `dist/`): exact entries only, no patterns. */
function ignoredPaths(root: string): string[] {
  const file = path.join(root, '.gitignore');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim().replace(/^\//, ''))
    .filter((l) => l !== '' && !l.startsWith('#') && !/[*?[!]/.test(l));
}

/** The repository's own top-level folders: not its dependencies, build output or git's. */
function topLevelDirectories(root: string): Set<string> {
  const skipped = new Set(['node_modules', 'dist', '.git']);
  return new Set(readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory() && !skipped.has(e.name)).map((e) => e.name));
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === '.git') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else out.push(full);
  }
  return out;
}

function plainText(inline: Token | undefined): string {
  return (inline?.children ?? []).map((t) => (t.type === 'text' || t.type === 'code_inline' ? t.content : '')).join('');
}
