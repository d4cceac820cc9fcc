// The README stays what the night shift can read: short, narrow, naming every variable the
// deployer reads (lib/config is where they are read). And nothing cites a document the repository
// lacks: neither the README and docs/ nor the code, scripts and specs.

import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { documentationFiles } from './markdown-links.js';
import { repoRoot } from '../support/repo.js';

const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
const lines = readme.replace(/\n$/, '').split('\n');

/** Every `SDP_...` name in lib/config's sources (code and comments: each is a variable read there). */
function variablesReadInLibConfig(): string[] {
  const dir = path.join(repoRoot, 'lib', 'config');
  const names = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    for (const match of readFileSync(path.join(dir, file), 'utf8').matchAll(/\bSDP_[A-Z0-9_]*[A-Z0-9]\b/g)) names.add(match[0]);
  }
  return [...names].sort();
}

/** This spec, which names the words it looks for. */
const THIS_FILE = 'spec/docs/readme.spec.ts';

/** Every file under `dir` (relative to the root), as paths relative to the root. */
function filesUnder(dir: string): string[] {
  return readdirSync(path.join(repoRoot, dir), { withFileTypes: true }).flatMap((entry) => {
    const file = `${dir}/${entry.name}`;
    return entry.isDirectory() ? filesUnder(file) : [file];
  });
}

describe('README.md', () => {
  it('is at most 210 lines, none over 110 characters', () => {
    expect(lines.length).to.be.at.most(210);
    expect(lines.map((l, i) => ({ line: i + 1, length: [...l].length })).filter((l) => l.length > 110)).to.deep.equal([]);
  });

  it('names every variable the deployer reads, in backticks', () => {
    const variables = variablesReadInLibConfig();
    expect(variables.length).to.be.greaterThan(40);
    expect(variables).to.include.members(['SDP_SLURMDEPLOY_SLURM_URL', 'SDP_CONFIG_PASSWORD_FILE', 'SDP_SLURMDEPLOY_REPLICA_ID']);
    expect(variables.filter((name) => !readme.includes(`\`${name}\``))).to.deep.equal([]);
    expect(readme).to.include('`SDP_SLURM_ENV_<NAME>`');
  });

  it('nor docs/, lib/, streams/, bin/, scripts/ or spec/ cite a CONTRACT or ARCHITECTURE file (the repository has none)', () => {
    const files = [...documentationFiles(repoRoot), ...['lib', 'streams', 'bin', 'scripts', 'spec'].flatMap((dir) => filesUnder(dir))];
    expect(files).to.include.members(['docs/architecture.md', 'lib/core/status.ts', 'bin/deployer', 'spec/scenarios/terminal-state-is-sticky-and-polls-write-nothing-new.ts']);
    const cited = files
      .filter((file) => file !== THIS_FILE)
      .flatMap((file) =>
        readFileSync(path.join(repoRoot, file), 'utf8')
          .split('\n')
          .flatMap((line, i) => (/\bCONTRACT\b|\bARCHITECTURE\b/.test(line) ? [`${file}:${i + 1}: ${line}`] : [])),
      );
    expect(cited).to.deep.equal([]);
  });
});
