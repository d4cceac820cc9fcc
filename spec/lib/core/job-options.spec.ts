// The sbatch options as args fields: every one accepted in sbatch's forms and parsed into the
// JobSpec; every bad value refused naming the field and the form it takes; mistyped fields
// answered with the one meant.

import { expect } from 'chai';
import { decodeSlurmArgs } from '../../../lib/core/deployment-args.js';
import { desiredOf } from '../../../lib/core/desired.js';
import { buildJobSpec } from '../../../lib/core/job-builder.js';
import { settings } from '../../support/fixtures.js';

/** One deployment asking for every option. */
export const EVERY_OPTION = {
  gres: 'gpu:a100:1,nic:1',
  gpus: 'a100:2',
  gpus_per_node: 2,
  gpus_per_task: '1',
  constraint: 'bigmem&(ib|eth)',
  exclusive: 'user',
  reservation: 'maint',
  ntasks_per_node: 2,
  mem_per_cpu: 100,
  mem_per_gpu: 2048,
  cpus_per_gpu: 4,
  begin: 'now+10minutes',
  deadline: '2030-01-20T12:34:00+01:00',
  signal: 'B:SIGusr1@90',
  requeue: false,
  nice: -5,
  priority: 100,
  licenses: 'sdplic:2,matlab',
  mail_type: 'ALL,time_limit_90',
  mail_user: 'ops@example.org',
  hold: true,
  array: '0-15:4%2',
  distribution: 'cyclic:block,Pack',
  threads_per_core: 1,
  wckey: 'sdp',
  open_mode: 'truncate',
  kill_on_invalid_dependency: true,
} as const;

describe('job options', () => {
  it('accepts every option in the forms sbatch takes, and parses each into the job spec', () => {
    const decoded = decodeSlurmArgs({ script: '#!/bin/bash\ntrue\n', ...EVERY_OPTION });
    expect(decoded.ok, JSON.stringify(decoded)).to.equal(true);
    if (!decoded.ok) return;
    const spec = buildJobSpec('d', 'r1', decoded.args, settings.job);
    expect(spec.options).to.deep.equal({
      gres: 'gpu:a100:1,nic:1',
      gpus: 'a100:2',
      gpus_per_node: '2',
      gpus_per_task: '1',
      constraint: 'bigmem&(ib|eth)',
      exclusive: 'user',
      reservation: 'maint',
      ntasks_per_node: 2,
      mem_per_cpu: 100,
      mem_per_gpu: 2048,
      cpus_per_gpu: 4,
      begin: { after: 600 },
      deadline: { at: Date.UTC(2030, 0, 20, 11, 34) / 1000 },
      signal: { signal: 'USR1', seconds: 90, target: 'batch' },
      requeue: false,
      nice: -5,
      priority: 100,
      licenses: 'sdplic:2,matlab',
      mail_type: ['BEGIN', 'END', 'FAIL', 'REQUEUE', 'STAGE_OUT', 'TIME_LIMIT_90'],
      mail_user: 'ops@example.org',
      hold: true,
      array: '0-15:4%2',
      distribution: 'cyclic:block,Pack',
      threads_per_core: 1,
      wckey: 'sdp',
      open_mode: 'truncate',
      kill_on_invalid_dependency: true,
    });
  });

  it('leaves options out of the spec when none is asked for, and defaults out when asked for (hold: false, mail NONE is empty)', () => {
    expect(buildJobSpec('d', 'r1', { script: 'S' }, settings.job)).not.to.have.property('options');
    expect(buildJobSpec('d', 'r1', { script: 'S', hold: false }, settings.job)).not.to.have.property('options');
    expect(buildJobSpec('d', 'r1', { script: 'S', exclusive: true, mail_type: 'none', signal: '10' }, settings.job).options).to.deep.equal({
      exclusive: 'node',
      mail_type: [],
      signal: { signal: '10', seconds: 60 },
    });
  });

  it('reads begin and deadline as sbatch does: now+count in seconds by default, or with a unit; an ISO time needs its zone', () => {
    const begin = (text: string) => {
      const d = decodeSlurmArgs({ script: 'S', begin: text });
      return d.ok ? buildJobSpec('d', 'r1', d.args, settings.job).options?.begin : d.reason;
    };
    expect(begin('now')).to.deep.equal({ after: 0 });
    expect(begin('now+60')).to.deep.equal({ after: 60 });
    expect(begin('now+2hours')).to.deep.equal({ after: 7200 });
    expect(begin('now+1week')).to.deep.equal({ after: 604_800 });
    expect(begin('2030-01-20T12:34:56Z')).to.deep.equal({ at: Date.UTC(2030, 0, 20, 12, 34, 56) / 1000 });
    expect(begin('2030-01-20T12:34:00-02:30')).to.deep.equal({ at: Date.UTC(2030, 0, 20, 15, 4) / 1000 });
    for (const bad of ['2030-01-20T12:34:00', '2030-02-31T00:00:00Z', 'tomorrow', 'now-5', 'now+5fortnights', '']) {
      expect(begin(bad), bad).to.equal(`args.begin: expected "now+<count>[seconds|minutes|hours|days|weeks]" or an ISO 8601 time with a zone, e.g. 2030-01-20T12:34:00Z`);
    }
  });

  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['a signal with a bad target', { signal: 'X:USR1' }, 'args.signal: expected [{R|B}:]<sig>[@<seconds>], e.g. USR1@60 or B:TERM@120'],
    ['a signal Linux has not', { signal: 'USR3@60' }, 'args.signal: expected [{R|B}:]<sig>[@<seconds>], e.g. USR1@60 or B:TERM@120'],
    ['a signal time beyond 16 bits', { signal: 'USR1@70000' }, 'args.signal: expected [{R|B}:]<sig>[@<seconds>], e.g. USR1@60 or B:TERM@120'],
    ['exclusive false', { exclusive: false }, 'args.exclusive: expected true, "user" or "mcs"'],
    ['exclusive of an unknown kind', { exclusive: 'topo' }, 'args.exclusive: expected true, "user" or "mcs"'],
    ['a gres without a name', { gres: ':2' }, 'args.gres: expected a comma-separated list of name[:type][:count], e.g. gpu:2 or gpu:a100:1,nic:1'],
    ['no GPUs', { gpus: 0 }, 'args.gpus: expected a positive count, or [type:]count as text, e.g. 2 or a100:2'],
    ['GPUs as a fraction', { gpus_per_node: 1.5 }, 'args.gpus_per_node: expected a positive count, or [type:]count as text, e.g. 2 or a100:2'],
    ['a mail type sbatch has not', { mail_type: 'BEGIN,LUNCH' }, 'args.mail_type: expected a comma-separated list of NONE, ALL, BEGIN, END, FAIL, REQUEUE, STAGE_OUT, INVALID_DEPEND, TIME_LIMIT, TIME_LIMIT_90, TIME_LIMIT_80, TIME_LIMIT_50, ARRAY_TASKS'],
    ['an array range without its start', { array: '-5' }, 'args.array: expected indexes like 0-15, 1,3,5, 0-15:4, each list optionally ending %<max running>'],
    ['a distribution of another tool', { distribution: 'round-robin' }, 'args.distribution: expected {*|block|cyclic|arbitrary|plane=<size>}[:{*|block|cyclic|fcyclic}[:{*|block|cyclic|fcyclic}]][,{Pack|NoPack}]'],
    ['a nice beyond Slurm\'s', { nice: 2 ** 31 }, 'args.nice: expected an integer from -2147483645 to 2147483645'],
    ['a priority of 0', { priority: 0 }, 'args.priority: expected a positive integer of at most 2147483646'],
    ['tasks per node beyond 16 bits', { ntasks_per_node: 70_000 }, 'args.ntasks_per_node: expected a positive integer of at most 65533'],
    ['memory per CPU as text', { mem_per_cpu: '4G' }, 'args.mem_per_cpu: expected a positive integer (megabytes) of at most 9007199254740991'],
    ['an open mode of another tool', { open_mode: 'w' }, 'args.open_mode: expected "append" or "truncate"'],
    ['requeue as text', { requeue: 'yes' }, 'args.requeue: expected true or false'],
    ['a constraint of two lines', { constraint: 'a\nb' }, 'args.constraint: expected a non-empty string of one line'],
    ['licenses with spaces', { licenses: 'a b' }, 'args.licenses: expected a comma-separated (or |-separated) list of name[:count], e.g. matlab:2'],
  ];
  for (const [what, fields, reason] of bad) {
    it(`refuses ${what}, naming the field and the form`, () => {
      expect(decodeSlurmArgs({ script: 'S', ...fields })).to.deep.equal({ ok: false, reason });
    });
  }

  it('keeps the spec hash of args without options: jobs running at the upgrade are not resubmitted', () => {
    // Computed by the deployer before options existed (main at 0447ba6): what its jobs carry.
    const before: Array<[unknown, string]> = [
      [{ script: '#!/bin/bash\n#SBATCH --time=5\n#SBATCH --exclusive\nsrun hostname\n', partition: 'debug', time_limit: 10, nodes: 2, environment: { A: '1' } }, 'eb5bd749d5cb0a88'],
      [{ command: ['echo', 'hi'], memory_per_node: 100, qos: 'normal' }, 'fa24a2805cefa0a5'],
      [{ script: '#!/bin/bash\ntrue\n' }, 'd351b00c8916d3c1'],
    ];
    for (const [args, hash] of before) {
      const desired = desiredOf({ id: 'd', kind: 'slurm', revision: 3, args });
      expect(desired.invalid, JSON.stringify(args)).to.equal(undefined);
      expect(desired.specHash).to.equal(hash);
    }
    // An option set is a change of spec; the same option set again is not.
    const plain = desiredOf({ id: 'd', kind: 'slurm', revision: 3, args: { script: '#!/bin/bash\ntrue\n' } }).specHash;
    const gpu = (rev: number) => desiredOf({ id: 'd', kind: 'slurm', revision: rev, args: { script: '#!/bin/bash\ntrue\n', gpus: 1 } }).specHash;
    expect(gpu(3)).not.to.equal(plain);
    expect(gpu(4)).to.equal(gpu(3));
  });

  describe('a field the deployer does not take', () => {
    const reason = (key: string) => {
      const d = decodeSlurmArgs({ script: 'S', [key]: 'x' });
      return d.ok ? 'accepted' : d.reason;
    };

    it('names the field meant, for a typo or sbatch\'s own name of it', () => {
      expect(reason('gress')).to.equal('args.gress: unknown field; did you mean gres?');
      expect(reason('constraints')).to.equal('args.constraints: unknown field; did you mean constraint?');
      expect(reason('mem-per-cpu')).to.equal('args.mem-per-cpu: unknown field; did you mean mem_per_cpu?');
      expect(reason('ntasks')).to.equal('args.ntasks: unknown field; did you mean tasks?');
      expect(reason('time')).to.equal('args.time: unknown field; did you mean time_limit?');
      expect(reason('mem')).to.equal('args.mem: unknown field; did you mean memory_per_node?');
    });

    it('lists the accepted fields when none is near', () => {
      expect(reason('frobnicate')).to.match(/^args\.frobnicate: unknown field; accepted: script, command, environment, partition, .*, kill_on_invalid_dependency, after_ok, after_any, after_not_ok, after, dependency$/);
    });

    it('says why the fields the deployer owns are not accepted', () => {
      expect(reason('comment')).to.equal("args.comment: not accepted: the deployer sets it (it carries the job's identity)");
      expect(reason('job_name')).to.equal('args.job_name: not accepted: the deployer names the job after the deployment');
      expect(reason('mcs_label')).to.match(/^args\.mcs_label: not accepted: /);
      expect(reason('export')).to.match(/^args\.export: not accepted: /);
    });
  });
});
