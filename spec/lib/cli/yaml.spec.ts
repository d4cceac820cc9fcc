// toYaml: block YAML for `-o yaml`, strings a plain scalar would misread quoted.

import { expect } from 'chai';
import { toYaml } from '../../../lib/cli/yaml.js';

describe('toYaml', () => {
  it('writes a list of rows as block YAML, quoting what a plain scalar would misread', () => {
    const rows = [
      { deployment: 'a-1', job_id: 12, status: 'FINISHED', reason: '', submitted: '2026-11-30T23:00:00.000Z', exit_code: null },
      { deployment: 'yes', job_id: null, status: null, reason: 'value: not valid JSON', submitted: null, exit_code: 0 },
    ];
    expect(toYaml(rows)).to.equal(
      [
        '- deployment: a-1',
        '  job_id: 12',
        '  status: FINISHED',
        '  reason: ""',
        '  submitted: "2026-11-30T23:00:00.000Z"',
        '  exit_code: null',
        '- deployment: "yes"',
        '  job_id: null',
        '  status: null',
        '  reason: "value: not valid JSON"',
        '  submitted: null',
        '  exit_code: 0',
        '',
      ].join('\n'),
    );
  });

  it('writes empty lists and nested values', () => {
    expect(toYaml([])).to.equal('[]\n');
    expect(toYaml({ a: { b: [1, 'x'] }, c: [], d: {} })).to.equal('a:\n  b:\n    - 1\n    - x\nc: []\nd: {}\n');
    expect(toYaml([{ a: 1 }, ['v', 'n']])).to.equal('- a: 1\n- - v\n  - "n"\n');
  });
});
