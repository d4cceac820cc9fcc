// readArguments: argv to the command and its options, the help or version asked for, or a usage
// mistake naming the command whose usage to show. In process (spec/bin/cli-usage runs the program).

import { expect } from 'chai';
import { readArguments } from '../../../lib/cli/arguments.js';

describe('readArguments', () => {
  it('runs the deployer with no arguments, and takes flags before any command as run\'s', () => {
    expect(readArguments([])).to.deep.equal({ kind: 'run' });
    expect(readArguments(['run'])).to.deep.equal({ kind: 'run' });
    expect(readArguments(['--bogus'])).to.include({ kind: 'usage', command: 'run' });
    expect(readArguments(['run', 'extra'])).to.include({ kind: 'usage', command: 'run' });
  });

  it('reads status: ids, output, watch and interval in seconds', () => {
    expect(readArguments(['status', 'a', 'b', '-o', 'wide', '-w', '--interval', '0.5'])).to.deep.equal({
      kind: 'status',
      options: { ids: ['a', 'b'], output: 'wide', watch: true, intervalSeconds: 0.5 },
    });
    expect(readArguments(['status'])).to.deep.equal({ kind: 'status', options: { ids: [], output: 'table', watch: false, intervalSeconds: 2 } });
  });

  it('refuses an output or an interval out of bounds, naming the flag and the value', () => {
    expect(readArguments(['status', '-o', 'xml'])).to.deep.equal({ kind: 'usage', problem: '--output must be one of table, wide, json, yaml (got "xml")', command: 'status' });
    for (const bad of ['0.05', '3601', 'soon', 'Infinity']) {
      expect(readArguments(['status', '--interval', bad])).to.deep.equal({ kind: 'usage', problem: `--interval must be seconds between 0.1 and 3600 (got "${bad}")`, command: 'status' });
    }
    expect(readArguments(['status', '--interval', '3600'])).to.have.property('kind', 'status');
  });

  it('reads plan: --json wins over -o, and yaml is not a plan output', () => {
    expect(readArguments(['plan'])).to.deep.equal({ kind: 'plan', options: { output: 'text' } });
    expect(readArguments(['plan', '-o', 'text', '--json'])).to.deep.equal({ kind: 'plan', options: { output: 'json' } });
    expect(readArguments(['plan', '-o', 'yaml'])).to.include({ kind: 'usage', command: 'plan' });
  });

  it('reads replay: exactly one journal file', () => {
    expect(readArguments(['replay', '-q', 'j.jsonl'])).to.deep.equal({ kind: 'replay', options: { file: 'j.jsonl', quiet: true } });
    expect(readArguments(['replay'])).to.deep.equal({ kind: 'usage', problem: 'a journal file is needed', command: 'replay' });
    expect(readArguments(['replay', 'a', 'b'])).to.deep.equal({ kind: 'usage', problem: 'one journal file only', command: 'replay' });
  });

  it('answers help and version, and their mistakes', () => {
    expect(readArguments(['--help'])).to.deep.equal({ kind: 'overview' });
    expect(readArguments(['help'])).to.deep.equal({ kind: 'overview' });
    expect(readArguments(['-h', 'plan'])).to.deep.equal({ kind: 'help', command: 'plan' });
    expect(readArguments(['status', '--watch', '-h'])).to.deep.equal({ kind: 'help', command: 'status' });
    expect(readArguments(['help', 'nope'])).to.deep.equal({ kind: 'usage', problem: 'unknown command "nope"', command: 'help' });
    expect(readArguments(['help', 'a', 'b'])).to.deep.equal({ kind: 'usage', problem: 'help takes one command', command: 'help' });
    expect(readArguments(['-V'])).to.deep.equal({ kind: 'version' });
    expect(readArguments(['version'])).to.deep.equal({ kind: 'version' });
    expect(readArguments(['--version', 'x'])).to.deep.equal({ kind: 'usage', problem: '--version takes no arguments' });
    expect(readArguments(['frobnicate'])).to.deep.equal({ kind: 'usage', problem: 'unknown command "frobnicate"' });
  });
});
