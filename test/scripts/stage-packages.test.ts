import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HeadBucketCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { NOTEBOOKS_DIRECTORY } from '../../lib/constructs/project/project-storage';
import { DEFAULT_REQUIREMENTS, main, parseOptions, StageOptions, stagePackages } from '../../scripts/stage-packages';
import { kernelImports } from '../helpers/notebook-check';
import { TEST_NAMES, withPrefix } from '../helpers/names';

describe('stage-packages', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stage-'));
  const requirements = path.join(scratch, 'requirements.txt');
  fs.writeFileSync(requirements, 'xgboost==2.1.1\nshap==0.46.0\n');
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
  const s3 = mockClient(S3Client);
  const ssm = mockClient(SSMClient);
  const lines: string[] = [];
  /** Stand-in for pip: writes the wheels pip would download, and a stray file pip leaves around. */
  const fakePip = (options: StageOptions, dest: string) => {
    for (const f of [
      'xgboost-2.1.1-py3-none-manylinux2014_x86_64.whl',
      'shap-0.46.0-cp310-cp310-manylinux2014_x86_64.whl',
    ]) {
      fs.writeFileSync(path.join(dest, f), `${options.pythonVersion}:${f}`);
    }
    fs.writeFileSync(path.join(dest, 'pip.log'), 'not a package');
  };
  const options = (overrides: Partial<StageOptions> = {}): StageOptions => ({
    requirements,
    bucket: `${TEST_NAMES.prefix}-shared-approved-packages`,
    pythonVersion: '3.10',
    platform: 'manylinux2014_x86_64',
    dryRun: false,
    downloadDir: fs.mkdtempSync(path.join(scratch, 'dl-')),
    ...overrides,
  });
  const deps = {
    download: fakePip,
    s3: () => new S3Client({ region: 'eu-west-1' }),
    log: (l: string) => lines.push(l),
  };

  beforeEach(() => {
    s3.reset();
    ssm.reset();
    lines.length = 0;
  });

  test('a dry run lists what it would upload and calls no AWS API', async () => {
    const plan = await stagePackages(options({ dryRun: true }), {
      ...deps,
      s3: () => {
        throw new Error('no credentials here');
      },
    });
    expect(plan.map((p) => p.key)).toEqual([
      'packages/shap-0.46.0-cp310-cp310-manylinux2014_x86_64.whl',
      'packages/xgboost-2.1.1-py3-none-manylinux2014_x86_64.whl',
    ]);
    expect(lines).toContain(
      `would upload s3://${TEST_NAMES.prefix}-shared-approved-packages/packages/xgboost-2.1.1-py3-none-manylinux2014_x86_64.whl (52 bytes)`,
    );
    expect(lines.at(-1)).toBe('Dry run: 2 files, nothing uploaded.');
    expect(s3.calls()).toHaveLength(0);
  });

  test('uploads every wheel under the packages prefix', async () => {
    s3.on(HeadBucketCommand).resolves({});
    s3.on(PutObjectCommand).resolves({});
    await stagePackages(options(), deps);
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).toEqual([
      'packages/shap-0.46.0-cp310-cp310-manylinux2014_x86_64.whl',
      'packages/xgboost-2.1.1-py3-none-manylinux2014_x86_64.whl',
    ]);
  });

  test('fails when the requirements file is missing', async () => {
    await expect(stagePackages(options({ requirements: path.join(scratch, 'nope.txt') }), deps)).rejects.toThrow(
      /Requirements file not found: .*nope\.txt/,
    );
  });

  test('fails with a clear message when the bucket does not exist', async () => {
    s3.on(HeadBucketCommand).rejects(
      new S3ServiceException({ name: 'NotFound', $fault: 'client', $metadata: { httpStatusCode: 404 } }),
    );
    await expect(stagePackages(options(), deps)).rejects.toThrow(
      withPrefix('Bucket <prefix>-shared-approved-packages does not exist.*ApprovedPackagesBucket'),
    );
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  test('fails with a clear message when there are no credentials', async () => {
    s3.on(HeadBucketCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
    );
    await expect(stagePackages(options(), deps)).rejects.toThrow(
      /No AWS credentials with the default credential chain: .*--profile P, or use --dry-run/,
    );
  });

  test('fails with a clear message when access is denied', async () => {
    s3.on(HeadBucketCommand).resolves({});
    s3.on(PutObjectCommand).rejects(
      new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } }),
    );
    await expect(stagePackages(options(), deps)).rejects.toThrow(
      withPrefix('Access denied to bucket <prefix>-shared-approved-packages'),
    );
  });

  test('fails when pip resolves to nothing', async () => {
    await expect(stagePackages(options(), { ...deps, download: () => undefined })).rejects.toThrow(
      /no distribution files/,
    );
  });

  test('refuses an invalid bucket name before downloading anything', async () => {
    const download = jest.fn();
    await expect(stagePackages(options({ bucket: 'Not_A_Bucket' }), { ...deps, download })).rejects.toThrow(
      /Not a bucket name/,
    );
    expect(download).not.toHaveBeenCalled();
  });

  test('parses the command line, with notebook defaults, region and profile', () => {
    expect(
      parseOptions(['-r', 'req.txt', '-b', 'bucket-name', '--dry-run', '--region', 'eu-west-1', '--profile', 'admin']),
    ).toMatchObject({
      requirements: 'req.txt',
      bucket: 'bucket-name',
      region: 'eu-west-1',
      profile: 'admin',
      pythonVersion: '3.10',
      platform: 'manylinux2014_x86_64',
      dryRun: true,
    });
  });

  test('fails before downloading when there is no region, naming --region and AWS_REGION', async () => {
    const download = jest.fn();
    s3.on(HeadBucketCommand).rejects(new Error('Region is missing'));
    await expect(stagePackages(options(), { ...deps, download })).rejects.toThrow(
      'No AWS region: pass --region R or set AWS_REGION.',
    );
    expect(download).not.toHaveBeenCalled();
  });

  test('names the profile and --profile when its credentials do not work', async () => {
    s3.on(HeadBucketCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
    );
    await expect(stagePackages(options({ profile: 'admin' }), deps)).rejects.toThrow(
      /No AWS credentials with profile 'admin': .*--profile P/,
    );
  });

  test('the command line: a user error is one line and exit code 2; the client gets --region and --profile', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    s3.on(HeadBucketCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
    );
    const argv = [
      '-r',
      requirements,
      '-b',
      `${TEST_NAMES.prefix}-shared-approved-packages`,
      '--region',
      'eu-west-2',
      '--profile',
      'p',
    ];
    // The real client factory: the mock intercepts the call on the client main made.
    const code = await main(argv, io, { download: fakePip });
    expect(code).toBe(2);
    expect(err).toEqual([expect.stringMatching(/^stage-packages: No AWS credentials with profile 'p'/)]);
    const client = s3.call(0).thisValue as S3Client;
    expect(client.config.profile).toBe('p');
    expect(await client.config.region()).toBe('eu-west-2');
    expect(await main(['-r', path.join(scratch, 'nope.txt'), '-b', 'bucket-name'], io, deps)).toBe(2);
    expect(err.at(-1)).toMatch(/^stage-packages: Requirements file not found: .*nope\.txt$/);
  });

  describe('the default approved list', () => {
    const io = { out: (t: string) => lines.push(t), err: (t: string) => lines.push(t) };

    test('is what the notebook kernels import, each package pinned', () => {
      const pins = fs
        .readFileSync(DEFAULT_REQUIREMENTS, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'));
      expect(pins.filter((p) => !/^[a-z0-9][a-z0-9._-]*==\d+(\.\d+)*$/.test(p))).toEqual([]);
      // Modules that need no approval: the standard library's and the project's own.
      const notApproved = [
        'io',
        'json',
        'os',
        'shutil',
        'socket',
        'sys',
        'tarfile',
        'tempfile',
        'time',
        'sagemaker_environment',
        'util',
      ];
      const distribution: Record<string, string> = { sklearn: 'scikit-learn' };
      const imported = kernelImports(NOTEBOOKS_DIRECTORY)
        .filter((m) => !notApproved.includes(m))
        .map((m) => distribution[m] ?? m);
      expect(pins.map((p) => p.split('==')[0]).sort()).toEqual(imported.sort());
    });

    test('stages with one command: the bucket comes from what the shared-services stack publishes', async () => {
      ssm
        .on(GetParameterCommand)
        .resolves({ Parameter: { Value: `${TEST_NAMES.prefix}-shared-approvedpackages-1a2b` } });
      s3.on(HeadBucketCommand).resolves({});
      s3.on(PutObjectCommand).resolves({});
      const download = jest.fn(fakePip);
      expect(await main(['--region', 'eu-west-1'], io, { download })).toBe(0);
      expect(path.resolve(download.mock.calls[0][0].requirements)).toBe(DEFAULT_REQUIREMENTS);
      expect(ssm.commandCalls(GetParameterCommand)[0].args[0].input).toEqual({
        Name: `${TEST_NAMES.sharedParameter('')}mirror/packages-bucket`,
      });
      expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Bucket)).toEqual([
        `${TEST_NAMES.prefix}-shared-approvedpackages-1a2b`,
        `${TEST_NAMES.prefix}-shared-approvedpackages-1a2b`,
      ]);
    });

    test('fails before downloading, saying what to do, when no bucket is published', async () => {
      ssm.on(GetParameterCommand).rejects(Object.assign(new Error('not found'), { name: 'ParameterNotFound' }));
      const download = jest.fn(fakePip);
      expect(await main(['--prefix', 'ml'], io, { download })).toBe(2);
      expect(lines.at(-1)).toBe(
        'stage-packages: No approved-packages bucket published at /ml/shared/mirror/packages-bucket in this account and region: deploy the shared-services stack, or pass --bucket (or --prefix when deployed with another prefix).',
      );
      expect(download).not.toHaveBeenCalled();
    });

    test('a dry run of it needs no AWS at all', async () => {
      expect(await main(['--dry-run'], io, { download: fakePip })).toBe(0);
      expect(lines).toContain(
        'would upload s3://<approved-packages-bucket>/packages/xgboost-2.1.1-py3-none-manylinux2014_x86_64.whl (52 bytes)',
      );
      expect(ssm.calls()).toHaveLength(0);
      expect(s3.calls()).toHaveLength(0);
    });
  });
});
