// The `#SBATCH` lines of a script, read as sbatch reads them into the same args fields, args
// winning; every directive the deployer does not take failing the deployment with its line and
// option; and a round trip: any spec written as `#SBATCH` lines reads back as the same spec.

import { expect } from 'chai';
import fc from 'fast-check';
import { decodeSlurmArgs } from '../../../lib/core/deployment-args.js';
import type { SlurmArgs } from '../../../lib/core/slurm-args.js';
import type { AfterField } from '../../../lib/core/dependencies.js';
import { buildJobSpec } from '../../../lib/core/job-builder.js';
import { directiveLinesOf } from '../../../lib/core/sbatch-option-table.js';
import { MAIL_TYPES } from '../../../lib/core/sbatch-values.js';
import { settings } from '../../support/fixtures.js';

const decoded = (args: Record<string, unknown>): SlurmArgs | string => {
  const d = decodeSlurmArgs(args);
  return d.ok ? d.args : d.reason;
};
const script = (...lines: string[]) => ['#!/bin/bash', ...lines, ''].join('\n');

describe('#SBATCH directives', () => {
  it('reads long and short options, with = or a space, quotes and trailing comments, up to the first command', () => {
    const s = script(
      '# a comment, then a blank line',
      '',
      '#SBATCH --time=1:30:00',
      '#SBATCH -N 2 -p debug',
      '#SBATCH -G1 -C "bigmem&ib"   # the big nodes',
      '#SBATCH --exclusive --mem 4G',
      "#SBATCH --signal='B:USR1@120' --mail-type=END,FAIL",
      '   #SBATCH --hold   (indented: a comment to sbatch, not a directive)',
      '#SBATCH --requeue --no-requeue',
      'echo start',
      '#SBATCH --qos=late (after a command: not read)',
    );
    expect(decoded({ script: s })).to.deep.equal({
      script: s,
      time_limit: 90,
      nodes: 2,
      partition: 'debug',
      gpus: '1',
      constraint: 'bigmem&ib',
      exclusive: true,
      memory_per_node: 4096,
      signal: 'B:USR1@120',
      mail_type: 'END,FAIL',
      requeue: false,
    });
  });

  it('lets args win over directives, as sbatch lets its command line win', () => {
    const s = script('#SBATCH --time=5 --partition=debug --gres=gpu:1');
    expect(decoded({ script: s, time_limit: 60, gres: 'gpu:2' })).to.deep.include({ time_limit: 60, partition: 'debug', gres: 'gpu:2' });
  });

  it('reads sbatch\'s forms: -t in minutes or d-h:m:s, --mem in units, -o none, bare --nice', () => {
    const args = decoded({ script: script('#SBATCH -t 2-0 --mem-per-cpu=1500K --mem-per-gpu=1T -o none --nice') }) as SlurmArgs;
    expect(args).to.deep.include({ time_limit: 2880, mem_per_cpu: 2, mem_per_gpu: 1_048_576, standard_output: '/dev/null', nice: 100 });
    expect((decoded({ script: script('#SBATCH --time=0:30') }) as SlurmArgs).time_limit).to.equal(1);
  });

  const refused: Array<[string, string, Record<string, unknown>?]> = [
    ['#SBATCH --job-name=x', 'script line 2: --job-name is not accepted: the deployer names the job after the deployment'],
    ['#SBATCH -J x', 'script line 2: -J is not accepted: the deployer names the job after the deployment'],
    ['#SBATCH --comment=x', "script line 2: --comment is not accepted: the deployer sets the comment (it carries the job's identity)"],
    ['#SBATCH --mcs-label=x', "script line 2: --mcs-label is not accepted: the deployer sets the label (its jobs' label)"],
    ['#SBATCH --export=ALL', "script line 2: --export is not accepted: the job gets args.environment and the deployer's variables"],
    ['#SBATCH --chdir=/w', 'script line 2: --chdir: args.current_working_directory is set too; give the directory in one place', { current_working_directory: '/v' }],
    ['#SBATCH --gress=gpu:1', 'script line 2: --gress is not an option the deployer takes; did you mean --gres?'],
    ['#SBATCH --part=debug', 'script line 2: --part: write the whole option name, --partition'],
    ['#SBATCH --nodelist=n1', 'script line 2: --nodelist is not an option the deployer takes (see docs/deployments.md#the-deployments-args for those it takes)'],
    ['#SBATCH -w n1', 'script line 2: -w is not an option the deployer takes (see docs/deployments.md#the-deployments-args for those it takes)'],
    ['#SBATCH --time=soon', 'script line 2: --time: expected minutes, or [days-]hours:minutes[:seconds], e.g. 90, 1:30:00, 2-0'],
    ['#SBATCH -N 2-4', 'script line 2: -N: expected a node count (a deployment asks for an exact count, not a range)'],
    ['#SBATCH --ntasks-per-node=two', 'script line 2: --ntasks-per-node: expected a positive integer of at most 65533'],
    ['#SBATCH --signal=USR9', 'script line 2: --signal: expected [{R|B}:]<sig>[@<seconds>], e.g. USR1@60 or B:TERM@120'],
    ['#SBATCH --hold=yes', 'script line 2: --hold takes no value'],
    ['#SBATCH --kill-on-invalid-dep=maybe', 'script line 2: --kill-on-invalid-dep: expected yes or no'],
    ['#SBATCH --constraint="bigmem', 'script line 2: a quote is not closed'],
    ['#SBATCH --partition', 'script line 2: --partition needs a value'],
    ['#SBATCH -Hv', 'script line 2: -Hv: give each flag on its own (-H)'],
    ['#SBATCH debug', 'script line 2: an argument that is not an option (sbatch options start with - or --)'],
  ];
  for (const [line, reason, args] of refused) {
    it(`fails ${line}${args === undefined ? '' : ' with args'}, naming the line and the option`, () => {
      expect(decoded({ script: script(line), ...args })).to.equal(reason);
    });
  }

  it('names the line of the directive in a longer script', () => {
    expect(decoded({ script: script('# setup', '#SBATCH -p debug', '', '#SBATCH --job-name=x') })).to.match(/^script line 5: --job-name /);
  });

  it('takes a script without directives, or with its directives after the first command, as it is', () => {
    const plain = script('echo hi', '#SBATCH --job-name=ignored');
    expect(decoded({ script: plain })).to.deep.equal({ script: plain });
  });

  it('round trip: any spec written as #SBATCH lines reads back as the same spec', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '\t', '"', "'", '\\', '#', '=', '-', '%', '/', 'é'), minLength: 1, maxLength: 12 });
    const word = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/);
    const count = (max: number) => fc.integer({ min: 1, max });
    const time = fc.oneof(
      fc.nat({ max: 10_000_000 }).map((n) => `now+${n}`),
      fc.integer({ min: 0, max: 4_000_000_000 }).map((s) => new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')),
    );
    const jobIds = fc.uniqueArray(fc.integer({ min: 1, max: 99_999_999 }), { minLength: 1, maxLength: 3 });
    const gpuCount = fc.oneof(count(64), fc.tuple(word, count(64)).map(([t, n]) => `${t}:${n}`));
    const args = fc.record(
      {
        partition: text,
        time_limit: count(2 ** 31 - 2),
        nodes: count(2 ** 31 - 2),
        tasks: count(2 ** 31 - 2),
        cpus_per_task: count(65_533),
        memory_per_node: count(Number.MAX_SAFE_INTEGER),
        current_working_directory: text,
        account: text,
        qos: text,
        standard_output: text.filter((s) => s.toLowerCase() !== 'none'),
        standard_error: text.filter((s) => s.toLowerCase() !== 'none'),
        gres: fc.array(fc.tuple(word, fc.option(word), fc.option(count(8))), { minLength: 1, maxLength: 3 }).map((items) =>
          items.map(([n, t, c]) => [n, t, c].filter((x) => x !== null).join(':')).join(','),
        ),
        gpus: gpuCount,
        gpus_per_node: gpuCount,
        gpus_per_task: gpuCount,
        constraint: text,
        exclusive: fc.constantFrom(true, 'user', 'mcs'),
        reservation: text,
        ntasks_per_node: count(65_533),
        mem_per_cpu: count(Number.MAX_SAFE_INTEGER),
        mem_per_gpu: count(Number.MAX_SAFE_INTEGER),
        cpus_per_gpu: count(65_533),
        begin: time,
        deadline: time,
        signal: fc.tuple(fc.constantFrom('', 'B:', 'R:'), fc.constantFrom('USR1', 'SIGTERM', '10', 'kill'), fc.option(fc.nat({ max: 65_533 }))).map(
          ([p, s, t]) => `${p}${s}${t === null ? '' : `@${t}`}`,
        ),
        requeue: fc.boolean(),
        nice: fc.integer({ min: -(2 ** 31 - 3), max: 2 ** 31 - 3 }),
        priority: count(2 ** 31 - 2),
        licenses: fc.array(fc.tuple(word, fc.option(count(9))), { minLength: 1, maxLength: 3 }).map((l) => l.map(([n, c]) => (c === null ? n : `${n}:${c}`)).join(',')),
        mail_type: fc.subarray(['NONE', 'ALL', ...MAIL_TYPES], { minLength: 1 }).filter((l) => !l.includes('NONE') || l.length === 1).map((l) => l.join(',')),
        mail_user: text,
        hold: fc.boolean(),
        array: fc.constantFrom('0-15', '1,3,5', '0-15:4%2', '7'),
        distribution: fc.constantFrom('block', 'cyclic:cyclic', 'plane=4', 'arbitrary', '*:fcyclic,Pack'),
        threads_per_core: count(65_533),
        wckey: text,
        open_mode: fc.constantFrom('append', 'truncate'),
        kill_on_invalid_dependency: fc.boolean(),
        dependency: fc
          .array(fc.oneof(fc.constant('singleton'), fc.tuple(fc.constantFrom('after', 'afterany', 'afterok', 'afternotok', 'aftercorr'), jobIds).map(([t, ids]) => `${t}:${ids.join(':')}`)), { minLength: 1, maxLength: 3 })
          .map((parts) => parts.join(',')),
      },
      { requiredKeys: [] },
    );
    // Deployments named by the after_* lists, and the jobs they have at the submit.
    const named = fc.record({ after_ok: jobIds, after_any: jobIds, after_not_ok: jobIds, after: jobIds }, { requiredKeys: [] });
    fc.assert(
      fc.property(args, named, (fields, deps) => {
        const lists = Object.fromEntries(Object.entries(deps).map(([field, ids]) => [field, ids.map((id) => `dep-${id}`)]));
        const first = decodeSlurmArgs({ script: 'S', ...fields, ...lists });
        if (!first.ok) throw new Error(first.reason);
        const spec = buildJobSpec('d', 'r1', first.args, settings.job, undefined, new Map(Object.entries(deps) as [AfterField, number[]][]));
        const written = ['#!/bin/bash', ...directiveLinesOf(spec), 'exec true', ''].join('\n');
        const again = decodeSlurmArgs({ script: written });
        if (!again.ok) throw new Error(`${again.reason}\n${written}`);
        const { script: _a, ...read } = buildJobSpec('d', 'r1', again.args, settings.job);
        const { script: _b, ...wanted } = spec;
        expect(read).to.deep.equal(wanted);
      }),
      { numRuns: 500 },
    );
  });
});
