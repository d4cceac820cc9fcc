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
    ['unknown field', { script: 'x', partiton: 'debug' }, 'args.partiton: unknown field'],
  ];
  for (const [what, raw, reason] of bad) {
    it(`rejects ${what}, naming the field`, () => {
      expect(decodeSlurmArgs(raw)).to.deep.equal({ ok: false, reason });
    });
  }

  it('never echoes a value in its reason', () => {
    const result = decodeSlurmArgs({ script: 'x', environment: { TOKEN: 42 } });
    expect(result.ok).to.equal(false);
    expect(JSON.stringify(result)).not.to.contain('42');
  });
});
