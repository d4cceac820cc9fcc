// Checking a marble scenario before it runs: its lines aligned, every marble in its legend, every
// legend entry used.

import type { Legend, Scenario, Timeline } from './scenario-format.js';

const SYNTAX = new Set([' ', '-', '(', ')', '|', '#']);

interface ParsedLine {
  /** The frame each column stands at; undefined for blanks and time progressions. */
  readonly frames: readonly (number | undefined)[];
  readonly marbles: readonly { readonly char: string; readonly column: number }[];
}

/** Walks a line as rxjs's run mode does (TestScheduler.parseMarbles), column by column. */
function parseLine(line: string): ParsedLine {
  const frames: (number | undefined)[] = [];
  const marbles: { char: string; column: number }[] = [];
  let frame = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ') {
      frames.push(undefined);
      continue;
    }
    if (/[0-9]/.test(c) && (i === 0 || line[i - 1] === ' ')) {
      const progression = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m) /.exec(line.slice(i));
      if (progression) {
        const unit = { ms: 1, s: 1000, m: 60_000 }[progression[2] as 'ms' | 's' | 'm'];
        for (let k = 0; k < progression[0].length; k++) frames.push(undefined);
        i += progression[0].length - 1;
        frame += parseFloat(progression[1]!) * unit;
        continue;
      }
    }
    frames.push(frame);
    if (!SYNTAX.has(c)) marbles.push({ char: c, column: i });
    frame += 1;
  }
  return { frames, marbles };
}

/** What is wrong with the scenario itself: lines out of alignment, marbles without a legend entry... */
export function scenarioProblems(scenario: Scenario): string[] {
  const problems: string[] = [];
  const lines = Object.entries(scenario.timeline).filter((e): e is [string, string] => typeof e[1] === 'string');
  const parsed = new Map(lines.map(([name, line]) => [name, parseLine(line)]));
  for (const [name, line] of lines) {
    if (/[\^!]/.test(line)) problems.push(`timeline.${name}: '^' and '!' have no meaning here`);
  }
  // Aligned: wherever two lines both have a marble or a dash, it is the same frame.
  const all = [...parsed];
  for (const [i, [a, pa]] of all.entries()) {
    for (const [b, pb] of all.slice(i + 1)) {
      const column = pa.frames.findIndex((f, i) => f !== undefined && pb.frames[i] !== undefined && pb.frames[i] !== f);
      if (column < 0) continue;
      problems.push(`timeline.${a} and timeline.${b} are not aligned: column ${column} is frame ${pa.frames[column]} in one, ${pb.frames[column]} in the other`);
    }
  }
  const legends: [keyof Timeline, Legend<unknown> | undefined][] = [
    ['config', scenario.config],
    ['slurm', scenario.slurm],
    ['commands', scenario.commands],
  ];
  for (const [name, legend] of legends) {
    const marbles = parsed.get(name)?.marbles ?? [];
    for (const m of marbles) {
      if (legend?.[m.char] === undefined) problems.push(`timeline.${name}: '${m.char}' (column ${m.column}) is not in the legend \`${name}\``);
    }
    for (const key of Object.keys(legend ?? {})) {
      if (!marbles.some((m) => m.char === key)) problems.push(`legend \`${name}\`: '${key}' is not used on timeline.${name}`);
    }
  }
  for (const m of parsed.get('clock')?.marbles ?? []) {
    if (m.char !== 't') problems.push(`timeline.clock: '${m.char}' (column ${m.column}): the clock line holds ticks, 't'`);
  }
  if (scenario.answers?.submitJob?.some((a) => a.outcome === 'ok')) {
    problems.push('answers.submitJob: a submit answers with submitted(jobId) or fails(...), not ok()');
  }
  return problems;
}
