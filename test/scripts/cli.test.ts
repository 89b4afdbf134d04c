import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { main as checkTemplates } from '../../scripts/check-templates';
import { Io } from '../../scripts/cli';
import { main as cost } from '../../scripts/cost';
import { main as preflight } from '../../scripts/preflight';
import { main as refreshHandlerPermissions } from '../../scripts/refresh-handler-permissions';
import { main as report } from '../../scripts/report';
import { main as stagePackages } from '../../scripts/stage-packages';
import { main as testContainers } from '../../scripts/test-containers';
import { main as verify } from '../../scripts/verify';
import { awsClients } from '../../scripts/verify/probes';

const ROOT = path.join(__dirname, '..', '..');
const STACK_FRAME = /^\s+at /m;
const noAws = () => {
  throw new Error('no AWS client in this test');
};

/** Every script's main, called in-process with captured output; none may reach AWS or pip. */
const SCRIPTS: Record<string, (argv: string[], io: Io) => number | Promise<number>> = {
  cost,
  'check:templates': checkTemplates,
  'refresh:handler-permissions': refreshHandlerPermissions,
  report,
  preflight: (argv, io) => preflight(argv, { ...io, env: {}, clients: noAws }),
  verify: (argv, io) => verify(argv, { ...io, env: {}, clients: noAws }),
  'stage-packages': (argv, io) => stagePackages(argv, io, { download: noAws, s3: noAws }),
  'test:containers': testContainers,
};

async function call(name: string, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await SCRIPTS[name](argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe.each(Object.keys(SCRIPTS))('npm run %s', (name) => {
  test('--help prints the usage and exits 0', async () => {
    const { code, out, err } = await call(name, ['--help']);
    expect(out).toMatch(new RegExp(`^Usage: npm run ${name} -- \\[options\\]`));
    expect(out).toMatch(/-h, --help/);
    expect(err).toBe('');
    expect(code).toBe(0);
  });

  test('fails with one line and the usage on an unknown option (exit 2)', async () => {
    const { code, out, err } = await call(name, ['--no-such-option']);
    const [first, blank, usage] = err.split('\n');
    expect(first).toBe("error: unknown option '--no-such-option'");
    expect(blank).toBe('');
    expect(usage).toMatch(new RegExp(`^Usage: npm run ${name} -- `));
    expect(err).not.toMatch(STACK_FRAME);
    expect(out).toBe('');
    expect(code).toBe(2);
  });
});

describe('missing inputs say what to do', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-'));
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
  const missing = path.join(scratch, 'cdk.out');
  const sts = mockClient(STSClient);
  beforeEach(() => sts.reset());

  test.each([
    ['cost', [missing], /^cost: no project environment product template in .*: run 'npm run synth' first$/],
    ['check:templates', [missing], /^check:templates: .*cdk\.out does not exist: run 'npm run synth' first$/],
    ['report', [missing], /^report: no cloud assembly in .*cdk\.out: run 'npm run synth' first$/],
    ['preflight', ['--assembly', missing], /^preflight: .*cdk\.out does not exist: run 'npm run synth' first$/],
  ])('%s without an assembly says to synthesize first (exit 2)', async (name, argv, message) => {
    const { code, err } = await call(name, argv);
    expect(err).toMatch(message);
    expect(code).toBe(2);
  });

  test('verify without a region names --region and AWS_REGION', async () => {
    sts.on(GetCallerIdentityCommand).rejects(new Error('Region is missing'));
    const err: string[] = [];
    const code = await verify(['--project', 'alpha'], {
      out: () => undefined,
      err: (t) => err.push(t),
      env: {},
      clients: awsClients,
    });
    expect(err).toEqual(['verify: no AWS region: pass --region R or set AWS_REGION.']);
    expect(code).toBe(2);
  });

  test('verify without credentials names --profile, and the profile it used', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejects(
        Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      );
    const err: string[] = [];
    const code = await verify(['--project', 'alpha', '--region', 'eu-west-1', '--profile', 'ops'], {
      out: () => undefined,
      err: (t) => err.push(t),
      env: {},
      clients: awsClients,
    });
    expect(err).toEqual([
      "verify: no usable AWS credentials with profile 'ops': sign in (e.g. aws sso login) or pass --profile P.",
    ]);
    expect(code).toBe(2);
    expect((sts.call(0).thisValue as STSClient).config.profile).toBe('ops');
  });

  test.each([
    [['--project', 'alpha', '--env-type', 'qa'], "argument 'qa' is invalid. Allowed choices are dev, test, prod."],
    [['--project', 'Alpha'], "argument 'Alpha' is invalid. expected 3-20 lower-case letters"],
    [[], "required option '--project <name>' not specified"],
    [
      ['--project', 'alpha', '--mfa-serial', 'arn:aws:iam::111122223333:mfa/me'],
      '--mfa-serial and --token-code go together',
    ],
  ])('verify %j is a usage error (exit 2)', async (argv, message) => {
    const { code, err } = await call('verify', argv);
    expect(err.split('\n')[0]).toContain(message);
    expect(err).toMatch(/Usage: npm run verify/);
    expect(code).toBe(2);
  });

  test.each([
    [['-b', 'bucket-name', '--prefix', 'SDS'], "option '--prefix <prefix>' argument 'SDS' is invalid"],
    [['--concurrency-quota', 'many'], "option '--concurrency-quota <n>' argument 'many' is invalid"],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const name = argv[0] === '-b' ? 'stage-packages' : 'preflight';
    const { code, err } = await call(name, argv);
    expect(err.split('\n')[0]).toContain(message);
    expect(code).toBe(2);
  });
});

describe('as processes: exit codes, and one line without a stack trace on a user error', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-home-'));
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));
  // No AWS settings at all, and no instance-metadata lookup: fails fast and offline.
  const env = { PATH: process.env.PATH ?? '', HOME: home, AWS_EC2_METADATA_DISABLED: 'true' };
  const run = (script: string, argv: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...argv], {
      cwd: ROOT,
      encoding: 'utf8',
      env,
    });

  test.each([
    [
      'check-templates',
      [path.join(home, 'cdk.out')],
      2,
      /^check:templates: .* does not exist: run 'npm run synth' first$/,
    ],
    [
      'refresh-handler-permissions',
      ['--assembly', path.join(home, 'x')],
      2,
      /^refresh:handler-permissions: .* does not exist/,
    ],
    ['verify', ['--project', 'alpha'], 2, /^verify: no AWS region: pass --region R or set AWS_REGION\.$/],
    ['cost', ['--help'], 0, /^$/],
  ])('%s %j exits %d', (script, argv, status, stderr) => {
    const result = run(script, argv);
    expect(result.stderr.trim()).toMatch(stderr);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.status).toBe(status);
  });
});
