// The README and docs/: every relative link and #anchor leads somewhere, every backticked
// repository path exists, every web link is well formed (none is fetched). And the checker
// itself, on a small tree with one of each mistake, so that a pass means something.

import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { anchors, checkMarkdown, documentationFiles, githubSlug } from './markdown-links.js';
import { repoRoot } from '../support/repo.js';

describe('README and docs/ links', () => {
  it('reads the README and the pages under docs/', () => {
    const files = documentationFiles(repoRoot);
    expect(files[0]).to.equal('README.md');
    expect(files.filter((f) => f.startsWith('docs/')).length).to.be.greaterThan(5);
  });

  it('every relative link, anchor and backticked repository path resolves; web links are well formed', () => {
    expect(checkMarkdown(repoRoot, documentationFiles(repoRoot))).to.deep.equal([]);
  });

  it('makes anchors as GitHub does: punctuation dropped, spaces hyphens, repeats numbered', () => {
    expect(githubSlug("Podman's limits")).to.equal('podmans-limits');
    expect(githubSlug('#SBATCH lines')).to.equal('sbatch-lines');
    expect(githubSlug("A production Slurm: rate limits, other users' jobs, exactly once")).to.equal('a-production-slurm-rate-limits-other-users-jobs-exactly-once');
    expect(githubSlug('What is 2 + 2?')).to.equal('what-is-2--2');
    expect(githubSlug('snake_case and Über-Café')).to.equal('snake_case-and-über-café');
    expect(anchors('# Setup\n\n## Setup\n\n```sh\n# not a heading\n```\n\n### `run` it\n\nSetup\n-----\n')).to.deep.equal(['setup', 'setup-1', 'run-it', 'setup-2']);
  });

  describe('the checker, on a tree with one of each mistake', () => {
    let root: string;

    before(async () => {
      root = await mkdtemp(path.join(tmpdir(), 'sdp-links-'));
      await mkdir(path.join(root, 'docs'));
      await mkdir(path.join(root, 'scripts'));
      await mkdir(path.join(root, 'spec', 'a'), { recursive: true });
      await writeFile(path.join(root, 'scripts', 'here.sh'), '');
      await writeFile(path.join(root, '.gitignore'), 'dist/\nscripts/out.json\n');
      await writeFile(path.join(root, 'spec', 'a', 'x.spec.ts'), '');
      await writeFile(path.join(root, 'docs', 'page.md'), '# Page\n\n## Known heading\n\nBack to [the README](../README.md#top).\n');
      await writeFile(
        path.join(root, 'README.md'),
        [
          '# Top',
          '',
          'Fine: [page](docs/page.md), [heading](docs/page.md#known-heading), [here](#top), [ref][], `scripts/here.sh`,',
          '`spec/**/*.spec.ts`, `scripts/`, `scripts/<name>.sh`, `not/a/top/folder.ts`, `scripts/out.json` (ignored by git),',
          '[web](https://example.org/x?y=1).',
          '',
          'Broken: [gone](docs/gone.md), [anchor](docs/page.md#unknown-heading), [local](#nowhere),',
          '`scripts/missing.sh start`, `spec/**/*.live.spec.ts`, `scripts/here.sh/`, [bad web](https://exa_mple),',
          '[outside](../elsewhere.md), [abs](/docs/page.md), [ftp](ftp://example.org/f).',
          '',
          '[ref]: docs/page.md',
          '',
        ].join('\n'),
      );
    });

    after(async () => {
      await rm(root, { recursive: true, force: true });
    });

    it('reports each broken link, anchor and path with its file and line, and nothing that is fine', () => {
      const problems = checkMarkdown(root, documentationFiles(root));
      expect(problems.map((p) => `${p.file}:${p.line}: ${p.problem}`)).to.deep.equal([
        'README.md:7: link docs/gone.md: docs/gone.md does not exist',
        'README.md:7: link docs/page.md#unknown-heading: docs/page.md has no heading #unknown-heading',
        'README.md:7: link #nowhere: README.md has no heading #nowhere',
        'README.md:8: `scripts/missing.sh start`: scripts/missing.sh does not exist',
        'README.md:8: `spec/**/*.live.spec.ts`: no file matches spec/**/*.live.spec.ts',
        'README.md:8: `scripts/here.sh/`: scripts/here.sh/ does not exist',
        'README.md:8: link https://exa_mple: no usable host name',
        'README.md:9: link ../elsewhere.md: leads outside the repository',
        'README.md:9: link /docs/page.md: an absolute path; write it relative to this file',
        'README.md:9: link ftp://example.org/f: scheme ftp: is not http or https',
      ]);
    });
  });
});
