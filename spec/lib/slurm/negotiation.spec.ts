// Reading what a slurmrestd offers from its /openapi/v3, and picking the version.

import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { compareApiVersions, isSupportedApiVersion, SUPPORTED_API_VERSIONS } from '../../../lib/slurm/api-versions.js';
import { checkForcedVersion, ForcedVersionNotServedError, NoCommonApiVersionError, pickApiVersion, readServerOffer, type ServerOffer } from '../../../lib/slurm/negotiation.js';
import { fixtureFile } from '../../support/repo.js';
import { OPENAPI_DOCUMENTS, openApiDocument } from '../../support/slurm-contract.js';

const recorded2205 = (): unknown => JSON.parse(readFileSync(fixtureFile('slurm-22.05', 'openapi_v3.json'), 'utf8'));

function offer(versions: string[], accounting: string[] = [], bearer = false): ServerOffer {
  return { versions, accounting: new Set(accounting), bearer };
}

describe('REST API version negotiation', () => {
  describe('readServerOffer', () => {
    it('reads the /openapi/v3 recorded from slurmrestd 22.05: v0.0.36 to v0.0.38, no accounting, no Bearer', () => {
      expect(readServerOffer(recorded2205())).to.deep.equal({ versions: ['v0.0.36', 'v0.0.37', 'v0.0.38'], accounting: new Set(), bearer: false });
    });

    it('reads the 24.05.2 document: v0.0.39 to v0.0.41, each with accounting, and Bearer', () => {
      const found = readServerOffer(openApiDocument(OPENAPI_DOCUMENTS['v0.0.39'][0]!));
      expect(found.versions).to.deep.equal(['v0.0.39', 'v0.0.40', 'v0.0.41']);
      expect([...found.accounting].sort()).to.deep.equal(['v0.0.39', 'v0.0.40', 'v0.0.41']);
      expect(found.bearer).to.equal(true);
    });

    it('reads paths relative to servers[].url (the static v0.0.38 document)', () => {
      const found = readServerOffer(openApiDocument(OPENAPI_DOCUMENTS['v0.0.38'][0]!));
      expect(found.versions).to.deep.equal(['v0.0.38']);
      expect(found.bearer).to.equal(false);
    });

    it('counts a version only when all the job paths are there', () => {
      const doc = {
        paths: {
          '/slurm/v0.0.43/job/submit': { post: {} },
          '/slurm/v0.0.43/jobs/': { get: {} },
          '/slurm/v0.0.43/job/{job_id}': { get: {} }, // no delete
          '/slurm/v0.0.42/job/submit': { post: {} },
          '/slurm/v0.0.42/jobs': { get: {} },
          '/slurm/v0.0.42/job/{id}': { get: {}, delete: {} },
          '/slurmdb/v0.0.42/job/{job_id}': { get: {} },
        },
      };
      const found = readServerOffer(doc);
      expect(found.versions).to.deep.equal(['v0.0.42']);
      expect([...found.accounting]).to.deep.equal(['v0.0.42']);
    });

    it('reads nothing from something that is not an OpenAPI document', () => {
      for (const doc of [undefined, null, 'text', [], { paths: 'x' }, { paths: { '/slurm/v0.0.42/jobs': null } }]) {
        expect(readServerOffer(doc).versions, JSON.stringify(doc)).to.deep.equal([]);
      }
    });
  });

  describe('pickApiVersion', () => {
    it('picks the newest version both sides speak', () => {
      expect(pickApiVersion(offer(['v0.0.36', 'v0.0.37', 'v0.0.38']), 'x')).to.equal('v0.0.38');
      expect(pickApiVersion(offer(['v0.0.40', 'v0.0.41', 'v0.0.42']), 'x')).to.equal('v0.0.42');
      expect(pickApiVersion(offer(['v0.0.43', 'v0.0.44', 'v0.0.45']), 'x')).to.equal('v0.0.45');
      expect(pickApiVersion(offer(['v0.0.44', 'v0.0.45', 'v0.0.46']), 'x')).to.equal('v0.0.45');
      expect(pickApiVersion(offer(['v0.0.41', 'v0.0.40']), 'x', ['v0.0.38', 'v0.0.40'])).to.equal('v0.0.40');
    });

    it('fails with a message naming the versions of both sides when none is common', () => {
      const error = catchError(() => pickApiVersion(offer(['v0.0.36', 'v0.0.37']), 'http://slurm:6820'));
      expect(error).to.be.instanceOf(NoCommonApiVersionError);
      expect(error.message).to.equal(
        'no Slurm REST API version in common: slurmrestd at http://slurm:6820 offers v0.0.36, v0.0.37; ' +
          'this deployer speaks v0.0.38, v0.0.39, v0.0.40, v0.0.41, v0.0.42, v0.0.43, v0.0.44, v0.0.45',
      );
      expect((error as NoCommonApiVersionError).serverVersions).to.deep.equal(['v0.0.36', 'v0.0.37']);
      expect(catchError(() => pickApiVersion(offer([]), 'x')).message).to.contain('offers none (its /openapi/v3 lists no /slurm/vX/ job paths)');
    });
  });

  describe('checkForcedVersion', () => {
    it('takes a forced version the server lists every job path of, even an older one than it would pick', () => {
      expect(checkForcedVersion(offer(['v0.0.40', 'v0.0.41', 'v0.0.42'], ['v0.0.41']), 'v0.0.40', 'x')).to.equal('v0.0.40');
      expect(checkForcedVersion(readServerOffer(recorded2205()), 'v0.0.38', 'x')).to.equal('v0.0.38');
    });

    it('refuses one the server does not serve, naming what it does', () => {
      const error = catchError(() => checkForcedVersion(offer(['v0.0.42', 'v0.0.43']), 'v0.0.41', 'http://slurm:6820'));
      expect(error).to.be.instanceOf(ForcedVersionNotServedError);
      expect(error.message).to.equal(
        'slurmrestd at http://slurm:6820 does not serve REST API v0.0.41: its /openapi/v3 lists the job paths of v0.0.42, v0.0.43; force one of those, or leave the version unset to negotiate one',
      );
      expect(catchError(() => checkForcedVersion(offer([]), 'v0.0.42', 'x')).message).to.contain('lists the job paths of no version;');
    });
  });

  describe('versions', () => {
    it('orders versions by number, not by text', () => {
      expect(['v0.0.100', 'v0.0.9', 'v0.0.44', 'v1.0.0'].sort(compareApiVersions)).to.deep.equal(['v0.0.9', 'v0.0.44', 'v0.0.100', 'v1.0.0']);
    });

    it('speaks v0.0.38 to v0.0.45 and nothing else', () => {
      expect(SUPPORTED_API_VERSIONS).to.deep.equal(['v0.0.38', 'v0.0.39', 'v0.0.40', 'v0.0.41', 'v0.0.42', 'v0.0.43', 'v0.0.44', 'v0.0.45']);
      expect(isSupportedApiVersion('v0.0.37')).to.equal(false);
      expect(isSupportedApiVersion('v0.0.45')).to.equal(true);
      expect(isSupportedApiVersion('v0.0.46')).to.equal(false);
    });
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected an Error, nothing was thrown');
}
