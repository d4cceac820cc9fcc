import { expect } from 'chai';
import { decodeSlurmArgs } from '../../../lib/core/deployment-args.js';

describe('decodeSlurmArgs', () => {
  it('accepts a script with every optional field', () => {
    const args = {
      script: '#!/bin/bash\necho hi\n',
      environment: { A_1: 'x' },
      partition: 'debug',
      time_limit: 5,
      nodes: 1,
      tasks: 2,
      cpus_per_task: 1,
      memory_per_node: 100,
      current_working_directory: '/tmp',
      account: 'a',
      qos: 'normal',
      standard_output: '/tmp/o',
      standard_error: '/tmp/e',
    };
    expect(decodeSlurmArgs(args)).to.deep.equal({ ok: true, args });
  });

  const bad: Array<[string, unknown, string]> = [
    ['no args', undefined, 'args: missing; one of args.script or args.command is required'],
    ['args not an object', ['x'], 'args: expected an object'],
    ['neither script nor command', { partition: 'debug' }, 'args.script: one of args.script or args.command is required'],
    ['both script and command', { script: 'x', command: ['y'] }, 'args.command: give args.script or args.command, not both'],
    ['time limit not a positive integer', { script: 'x', time_limit: -3 }, 'args.time_limit: expected a positive integer'],
    ['time limit a string', { script: 'x', time_limit: '5' }, 'args.time_limit: expected a positive integer'],
    ['empty command', { command: [] }, 'args.command: expected a non-empty list of strings'],
    ['bad environment name', { script: 'x', environment: { 'A-B': 'v' } }, 'args.environment: expected an object of string values with names like NAME_1'],
    ['environment value not a string', { script: 'x', environment: { A: 1 } }, 'args.environment.A: expected a string'],
    ['a misspelt field', { script: 'x', partiton: 'debug' }, 'args.partiton: unknown field; did you mean partition?'],
    // Numbers within what Slurm stores (issue 11, 10): 10^12 minutes was stored as 4283415212, 2^31 as "no limit".
    ['time limit beyond what Slurm stores', { script: 'x', time_limit: 1e12 }, 'args.time_limit: expected a positive integer of at most 2147483646'],
    ['time limit of 2^31 (Slurm: no limit)', { script: 'x', time_limit: 2 ** 31 }, 'args.time_limit: expected a positive integer of at most 2147483646'],
    ['nodes beyond what Slurm stores', { script: 'x', nodes: 2 ** 32 }, 'args.nodes: expected a positive integer of at most 2147483646'],
    ['tasks beyond what Slurm stores', { script: 'x', tasks: 2 ** 40 }, 'args.tasks: expected a positive integer of at most 2147483646'],
    ['cpus per task beyond a 16-bit count', { script: 'x', cpus_per_task: 65_534 }, 'args.cpus_per_task: expected a positive integer of at most 65533'],
    ['memory beyond an exact JSON integer', { script: 'x', memory_per_node: 2 ** 60 }, 'args.memory_per_node: expected a positive integer of at most 9007199254740991'],
    ['an infinite time limit', { script: 'x', time_limit: Number.POSITIVE_INFINITY }, 'args.time_limit: expected a positive integer'],
    // Strings free of NUL bytes: a NUL in a command word cut the script short, and the job failed later.
    ['a NUL byte in a command word', { command: ['echo', 'a\u0000b'] }, 'args.command.1: expected a string without NUL bytes'],
    ['a NUL byte in the script', { script: '#!/bin/bash\necho \u0000\n' }, 'args.script: expected a non-empty string without NUL bytes'],
    ['a NUL byte in an environment value', { script: 'x', environment: { A: 'v\u0000' } }, 'args.environment.A: expected a string without NUL bytes'],
    ['a NUL byte in the partition', { script: 'x', partition: 'de\u0000bug' }, 'args.partition: expected a non-empty string without NUL bytes'],
    ['a script beyond what Slurm takes', { script: 'x'.repeat(4 * 1024 * 1024 + 1) }, 'args.script: expected a non-empty string of at most 4194304 characters'],
    ['a partition name of a megabyte', { script: 'x', partition: 'p'.repeat(1024 * 1024) }, 'args.partition: expected a non-empty string of at most 4096 characters'],
  ];
  for (const [what, raw, reason] of bad) {
    it(`rejects ${what}, naming the field`, () => {
      expect(decodeSlurmArgs(raw)).to.deep.equal({ ok: false, reason });
    });
  }

  it('accepts the largest values Slurm stores', () => {
    const args = { script: 'x', time_limit: 2147483646, nodes: 2147483646, tasks: 2147483646, cpus_per_task: 65_533, memory_per_node: Number.MAX_SAFE_INTEGER };
    expect(decodeSlurmArgs(args)).to.deep.equal({ ok: true, args });
  });

  it('never echoes a value in its reason', () => {
    const result = decodeSlurmArgs({ script: 'x', environment: { TOKEN: 42 } });
    expect(result.ok).to.equal(false);
    expect(JSON.stringify(result)).not.to.contain('42');
  });
});
