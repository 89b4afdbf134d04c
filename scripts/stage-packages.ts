/**
 * `npm run stage-packages -- [--requirements FILE] [--bucket NAME] [--region R] [--profile P] [--dry-run]`
 *
 * Approves Python packages: downloads the wheels a requirements file resolves to (by default
 * approved-packages.txt, what the sample notebooks import), for the Python version and platform
 * SageMaker notebooks run, and uploads them to the approved-packages bucket (by default the one the
 * shared-services stack publishes in SSM), from which the mirror serves them within a minute.
 * `--dry-run` lists what would be uploaded and needs no AWS credentials.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HeadBucketCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Command, InvalidArgumentError } from 'commander';
import { PREFIX_PATTERN } from '../lib/config/config';
import { DEFAULT_PREFIX, Names, PACKAGES_PREFIX, SHARED_PARAMETERS } from '../lib/config/names';
import { errorMessage, Io, parseCommandLine, PROCESS_IO, runAsScript, UserError } from './cli';

/** What to stage, and for which interpreter. */
export interface StageOptions {
  readonly requirements: string;
  /** @default - the bucket the shared-services stack of `prefix` publishes in SSM */
  readonly bucket?: string;
  /** Prefix the platform was deployed with, to find its bucket. @default DEFAULT_PREFIX */
  readonly prefix?: string;
  /** Python version of the notebook kernels, e.g. 3.10. */
  readonly pythonVersion: string;
  /** pip platform tag of the notebook instances, e.g. manylinux2014_x86_64. */
  readonly platform: string;
  readonly dryRun: boolean;
  /** @default - AWS_REGION, then the profile's region */
  readonly region?: string;
  /** Named profile of the AWS config files. @default - AWS_PROFILE, then the default chain */
  readonly profile?: string;
  /** Where wheels are downloaded, and kept. @default - a new temporary folder, removed afterwards */
  readonly downloadDir?: string;
}

/** Side effects, injected so the core runs offline in tests. */
export interface StageDependencies {
  /** Runs `pip download` into `dest`; throws with pip's output on failure. */
  readonly download: (options: StageOptions, dest: string) => void;
  readonly s3: () => Pick<S3Client, 'send'>;
  /** Reads the published bucket name when --bucket is not given. */
  readonly ssm?: () => Pick<SSMClient, 'send'>;
  readonly log: (line: string) => void;
}

/** One file to upload. */
export interface PlannedUpload {
  readonly file: string;
  readonly key: string;
  readonly bytes: number;
}

const DISTRIBUTIONS = /\.(whl|tar\.gz|zip)$/;

/** The default approved list: what the sample notebooks import, pinned. */
export const DEFAULT_REQUIREMENTS = path.join(__dirname, '..', 'approved-packages.txt');

/** Downloads, plans and (unless dry-run) uploads; returns the plan. Errors say what to do. */
export async function stagePackages(options: StageOptions, deps: StageDependencies): Promise<PlannedUpload[]> {
  if (!fs.existsSync(options.requirements) || !fs.statSync(options.requirements).isFile()) {
    throw new UserError(`Requirements file not found: ${options.requirements}`);
  }
  if (options.bucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.bucket)) {
    throw new UserError(
      `Not a bucket name: '${options.bucket}' (see the ApprovedPackagesBucket output of the shared-services stack)`,
    );
  }
  // Fails fast on the account setup (region, credentials, bucket) before the slow download.
  const s3 = options.dryRun ? undefined : deps.s3();
  // A dry run names no real bucket unless given one: it needs no AWS access at all.
  const bucket = options.bucket ?? (s3 ? await publishedBucket(options, deps) : '<approved-packages-bucket>');
  if (s3) await send(s3, new HeadBucketCommand({ Bucket: bucket }), { ...options, bucket });
  const dest = options.downloadDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'approved-packages-'));
  try {
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
      deps.log(`${options.dryRun ? 'would upload' : 'upload'} s3://${bucket}/${p.key} (${p.bytes} bytes)`);
    if (!s3) {
      deps.log(`Dry run: ${plan.length} files, nothing uploaded.`);
      return plan;
    }

    for (const p of plan) {
      const body = fs.readFileSync(p.file);
      await send(s3, new PutObjectCommand({ Bucket: bucket, Key: p.key, Body: body }), { ...options, bucket });
    }
    deps.log(`Uploaded ${plan.length} files; the mirror serves them within about a minute.`);
    return plan;
  } finally {
    // A folder we made is ours to remove, whatever happened; one the user named is theirs.
    if (!options.downloadDir) fs.rmSync(dest, { recursive: true, force: true });
  }
}

/** The approved-packages bucket the shared-services stack published; a UserError saying what to do when absent. */
async function publishedBucket(options: StageOptions, deps: StageDependencies): Promise<string> {
  const name = new Names(options.prefix ?? DEFAULT_PREFIX).sharedParameter(SHARED_PARAMETERS.packagesBucket);
  const ssm = deps.ssm ? deps.ssm() : new SSMClient({ region: options.region, profile: options.profile });
  try {
    const result = await ssm.send(new GetParameterCommand({ Name: name }));
    if (result.Parameter?.Value) return result.Parameter.Value;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ParameterNotFound') {
      const setup = explain(error, { ...options, bucket: '' });
      if (/^No AWS/.test(setup)) throw new UserError(setup);
      throw new UserError(`Could not read ${name}: ${errorMessage(error)} (or pass --bucket)`, 1);
    }
  }
  throw new UserError(
    `No approved-packages bucket published at ${name} in this account and region: deploy the shared-services stack, or pass --bucket (or --prefix when deployed with another prefix).`,
  );
}

/** Sends one S3 command; a failure becomes a one-line UserError that says what to do. */
async function send(
  s3: Pick<S3Client, 'send'>,
  command: HeadBucketCommand | PutObjectCommand,
  options: StageOptions & { bucket: string },
): Promise<void> {
  try {
    await s3.send(command as never);
  } catch (error) {
    const message = explain(error, options);
    // No region or credentials: the setup is wrong (2); anything else failed on AWS's side (1).
    throw new UserError(message, /^No AWS/.test(message) ? 2 : 1);
  }
}

/** A message a platform engineer can act on, for the failures that happen in practice. */
function explain(error: unknown, options: StageOptions & { bucket: string }): string {
  const bucket = options.bucket;
  const name = (error as { name?: string }).name ?? '';
  if (name === 'CredentialsProviderError' || /credential/i.test(String((error as Error).message))) {
    const using = options.profile ? `profile '${options.profile}'` : 'the default credential chain';
    return `No AWS credentials with ${using}: sign in (e.g. aws sso login) as a platform administrator or pass --profile P, or use --dry-run.`;
  }
  if (/Region is missing/i.test(errorMessage(error))) return 'No AWS region: pass --region R or set AWS_REGION.';
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

const prefixArgument = (value: string) => {
  if (!PREFIX_PATTERN.test(value)) throw new InvalidArgumentError('expected 2-8 lower-case letters or digits.');
  return value;
};

/** The command line of `npm run stage-packages`. */
function program(): Command {
  return new Command('npm run stage-packages --')
    .description(
      "Approves Python packages: downloads the wheels a requirements file resolves to, for the notebooks' Python and platform, and uploads them to the approved-packages bucket.",
    )
    .option(
      '-r, --requirements <file>',
      'requirements file (pin versions)',
      path.relative(process.cwd(), DEFAULT_REQUIREMENTS) || DEFAULT_REQUIREMENTS,
    )
    .option('-b, --bucket <name>', 'approved-packages bucket (default: the one the shared-services stack publishes)')
    .option(
      '--prefix <prefix>',
      'prefix the platform was deployed with, to find its bucket',
      prefixArgument,
      DEFAULT_PREFIX,
    )
    .option('--region <region>', 'region of the bucket (default: AWS_REGION, then the profile)')
    .option('--profile <profile>', 'named profile of the AWS config files (default: AWS_PROFILE)')
    .option('--python-version <version>', 'Python version of the notebook kernels', '3.10')
    .option('--platform <tag>', 'pip platform tag of the notebook instances', 'manylinux2014_x86_64')
    .option('--download-dir <dir>', 'where wheels are downloaded (default: a temporary folder, removed afterwards)')
    .option('--dry-run', 'list what would be uploaded; needs no AWS credentials');
}

/** Parses the command line: the options, or the exit code when parsing ended the run. */
export function parseOptions(argv: string[], io: Io = PROCESS_IO): StageOptions | number {
  const parsed = parseCommandLine(program(), argv, io);
  if (typeof parsed === 'number') return parsed;
  const values = parsed.opts<{
    requirements: string;
    bucket?: string;
    prefix: string;
    region?: string;
    profile?: string;
    pythonVersion: string;
    platform: string;
    downloadDir?: string;
    dryRun?: boolean;
  }>();
  return {
    requirements: values.requirements,
    bucket: values.bucket,
    prefix: values.prefix,
    region: values.region,
    profile: values.profile,
    pythonVersion: values.pythonVersion,
    platform: values.platform,
    dryRun: values.dryRun ?? false,
    downloadDir: values.downloadDir,
  };
}

/** `npm run stage-packages`; resolves to the exit code. User errors are one line, never a stack trace. */
export async function main(
  argv: string[],
  io: Io = PROCESS_IO,
  deps: Pick<StageDependencies, 'download' | 'ssm'> & { s3?: StageDependencies['s3'] } = { download: pipDownload },
): Promise<number> {
  const options = parseOptions(argv, io);
  if (typeof options === 'number') return options;
  try {
    await stagePackages(options, {
      download: deps.download,
      s3: deps.s3 ?? (() => new S3Client({ region: options.region, profile: options.profile })),
      ssm: deps.ssm,
      log: (line) => io.out(line),
    });
    return 0;
  } catch (error) {
    io.err(`stage-packages: ${errorMessage(error)}`);
    return error instanceof UserError ? error.exitCode : 1;
  }
}

if (require.main === module) runAsScript('stage-packages', (argv) => main(argv));
