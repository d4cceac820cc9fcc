// The README stays what the night shift can read: short, narrow, naming every variable the
// deployer reads (lib/config is where they are read), and citing no document the repository lacks.

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

  it('and docs/ cite no CONTRACT or ARCHITECTURE file (the repository has none)', () => {
    const cited = documentationFiles(repoRoot).flatMap((file) =>
      readFileSync(path.join(repoRoot, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (/\bCONTRACT\b|\bARCHITECTURE\b/.test(line) ? [`${file}:${i + 1}: ${line}`] : [])),
    );
    expect(cited).to.deep.equal([]);
  });
});
