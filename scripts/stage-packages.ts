/**
 * `npm run stage-packages -- --requirements FILE --bucket NAME [--dry-run]`
 *
 * Approves Python packages: downloads the wheels a requirements file resolves to, for the Python
 * version and platform SageMaker notebooks run, and uploads them to the approved-packages bucket,
 * from which the mirror serves them within a minute. `--dry-run` lists what would be uploaded and
 * needs no AWS credentials.
 */
import './node-support';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { HeadBucketCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { PACKAGES_PREFIX } from '../lib/config/names';

/** What to stage, and for which interpreter. */
export interface StageOptions {
  readonly requirements: string;
  readonly bucket: string;
  /** Python version of the notebook kernels, e.g. 3.10. */
  readonly pythonVersion: string;
  /** pip platform tag of the notebook instances, e.g. manylinux2014_x86_64. */
  readonly platform: string;
  readonly dryRun: boolean;
  /** Where wheels are downloaded. @default - a new temporary folder */
  readonly downloadDir?: string;
}

/** Side effects, injected so the core runs offline in tests. */
export interface StageDependencies {
  /** Runs `pip download` into `dest`; throws with pip's output on failure. */
  readonly download: (options: StageOptions, dest: string) => void;
  readonly s3: () => Pick<S3Client, 'send'>;
  readonly log: (line: string) => void;
}

/** One file to upload. */
export interface PlannedUpload {
  readonly file: string;
  readonly key: string;
  readonly bytes: number;
}

const DISTRIBUTIONS = /\.(whl|tar\.gz|zip)$/;

/** Downloads, plans and (unless dry-run) uploads; returns the plan. Errors say what to do. */
export async function stagePackages(options: StageOptions, deps: StageDependencies): Promise<PlannedUpload[]> {
  if (!fs.existsSync(options.requirements) || !fs.statSync(options.requirements).isFile()) {
    throw new Error(`Requirements file not found: ${options.requirements}`);
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.bucket)) {
    throw new Error(
      `Not a bucket name: '${options.bucket}' (see the ApprovedPackagesBucket output of the shared-services stack)`,
    );
  }
  const dest = options.downloadDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'approved-packages-'));
  fs.mkdirSync(dest, { recursive: true });
  deps.log(`Downloading wheels for Python ${options.pythonVersion} on ${options.platform} into ${dest}`);
  deps.download(options, dest);

  const plan = fs
    .readdirSync(dest)
    .filter((f) => DISTRIBUTIONS.test(f))
    .sort()
    .map((f) => ({
      file: path.join(dest, f),
      key: `${PACKAGES_PREFIX}${f}`,
      bytes: fs.statSync(path.join(dest, f)).size,
    }));
  if (plan.length === 0) throw new Error(`pip downloaded no distribution files into ${dest}`);

  for (const p of plan)
    deps.log(`${options.dryRun ? 'would upload' : 'upload'} s3://${options.bucket}/${p.key} (${p.bytes} bytes)`);
  if (options.dryRun) {
    deps.log(`Dry run: ${plan.length} files, nothing uploaded.`);
    return plan;
  }

  const s3 = deps.s3();
  try {
    await s3.send(new HeadBucketCommand({ Bucket: options.bucket }));
    for (const p of plan) {
      await s3.send(new PutObjectCommand({ Bucket: options.bucket, Key: p.key, Body: fs.readFileSync(p.file) }));
    }
  } catch (error) {
    throw new Error(explain(error, options.bucket), { cause: error });
  }
  deps.log(`Uploaded ${plan.length} files; the mirror serves them within about a minute.`);
  return plan;
}

/** A message a platform engineer can act on, for the failures that happen in practice. */
function explain(error: unknown, bucket: string): string {
  const name = (error as { name?: string }).name ?? '';
  if (name === 'CredentialsProviderError' || /credential/i.test(String((error as Error).message))) {
    return 'No AWS credentials: sign in (e.g. aws sso login, or AWS_PROFILE) as a platform administrator, or use --dry-run.';
  }
  if (
    name === 'NotFound' ||
    name === 'NoSuchBucket' ||
    (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404)
  ) {
    return `Bucket ${bucket} does not exist in this account and region: use the ApprovedPackagesBucket output of the shared-services stack.`;
  }
  if (
    name === 'AccessDenied' ||
    name === 'Forbidden' ||
    (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 403)
  ) {
    return `Access denied to bucket ${bucket}: the current credentials may not write approved packages.`;
  }
  return `Upload failed: ${(error as Error).message ?? String(error)}`;
}

/** Real `pip download` for the notebooks' interpreter: binary wheels only, so no build runs. */
export function pipDownload(options: StageOptions, dest: string): void {
  const args = [
    '-m',
    'pip',
    'download',
    '--requirement',
    options.requirements,
    '--dest',
    dest,
    '--only-binary=:all:',
    '--implementation',
    'cp',
    '--python-version',
    options.pythonVersion,
    '--platform',
    options.platform,
  ];
  const result = spawnSync(process.env.PYTHON ?? 'python3', args, { encoding: 'utf8' });
  if (result.error) throw new Error(`Could not run pip (python3 -m pip): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`pip download failed:\n${result.stderr || result.stdout}`);
}

/** Parses the command line; throws a usage message on bad input. */
export function parseOptions(argv: string[]): StageOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      requirements: { type: 'string', short: 'r' },
      bucket: { type: 'string', short: 'b' },
      'python-version': { type: 'string', default: '3.10' },
      platform: { type: 'string', default: 'manylinux2014_x86_64' },
      'download-dir': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  if (!values.requirements || !values.bucket) {
    throw new Error(
      'usage: npm run stage-packages -- --requirements FILE --bucket NAME [--python-version 3.10] [--platform manylinux2014_x86_64] [--download-dir DIR] [--dry-run]',
    );
  }
  return {
    requirements: values.requirements,
    bucket: values.bucket,
    pythonVersion: values['python-version']!,
    platform: values.platform!,
    dryRun: values['dry-run']!,
    downloadDir: values['download-dir'],
  };
}

async function main(): Promise<void> {
  try {
    const options = parseOptions(process.argv.slice(2));
    await stagePackages(options, { download: pipDownload, s3: () => new S3Client({}), log: (l) => console.log(l) });
  } catch (error) {
    console.error(`stage-packages: ${(error as Error).message}`);
    process.exit(1);
  }
}

if (require.main === module) void main();
