/**
 * `npm run verify -- --project NAME [--env-type dev] [--region R] [--profile P] [--json] [--prefix sds]
 *                    [--mfa-serial ARN --token-code CODE]`
 *
 * Proves on a deployed account that the controls hold, without creating billable resources:
 * probes as the project user (IAM decisions told apart from validation errors) and checks of
 * the deployed configuration. Exit code 1 on any FAIL.
 */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { Command, InvalidArgumentError, Option } from 'commander';
import { PREFIX_PATTERN } from '../lib/config/config';
import { DEFAULT_PREFIX, ENV_TYPES, PROJECT_NAME } from '../lib/config/names';
import { awsSetupProblem, errorMessage, Io, parseCommandLine, PROCESS_IO, runAsScript, USAGE_ERROR } from './cli';
import { awsClients, CheckResult, Clients, verify, VerifyOptions } from './verify/probes';

/** A fixed-width table: check, expected, observed, result. */
export function formatTable(results: CheckResult[]): string {
  const rows = [
    ['check', 'expected', 'observed', 'result'],
    ...results.map((r) => [r.check, r.expected, r.observed, r.pass ? 'PASS' : 'FAIL']),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** What `main` talks to; tests pass their own. */
export interface VerifyIo extends Io {
  readonly env: NodeJS.ProcessEnv;
  readonly clients: (region: string | undefined, profile: string | undefined) => Clients;
}

const PROCESS_VERIFY_IO: VerifyIo = { ...PROCESS_IO, env: process.env, clients: awsClients };

const matching = (pattern: RegExp, expected: string) => (value: string) => {
  if (!pattern.test(value)) throw new InvalidArgumentError(`expected ${expected}.`);
  return value;
};

/** The command line of `npm run verify`. */
function program(): Command {
  return new Command('npm run verify --')
    .description('Proves on a deployed account that the controls of one project environment hold (read-only probes).')
    .option(
      '--project <name>',
      'project name the environment was launched with',
      matching(new RegExp(PROJECT_NAME.pattern), PROJECT_NAME.description),
    )
    .addOption(new Option('--env-type <type>', 'environment type of the launch').choices(ENV_TYPES).default('dev'))
    .option('--region <region>', 'region of the deployment (default: AWS_REGION, then the profile)')
    .option('--profile <profile>', 'named profile of the AWS config files (default: AWS_PROFILE)')
    .option(
      '--prefix <prefix>',
      'prefix the platform was deployed with',
      matching(PREFIX_PATTERN, '2-8 lower-case letters or digits'),
      DEFAULT_PREFIX,
    )
    .option('--json', 'print the results as JSON')
    .option('--mfa-serial <arn>', 'MFA device, when the project user role requires MFA')
    .option('--token-code <code>', 'current code of the MFA device')
    .addHelpText(
      'after',
      '\nExit code: 0 when every check passes, 1 on any FAIL, 2 on a usage error or unusable credentials.',
    );
}

interface CliOptions {
  project: string;
  envType: string;
  region?: string;
  profile?: string;
  prefix: string;
  json?: boolean;
  mfaSerial?: string;
  tokenCode?: string;
}

/** `npm run verify`; resolves to the exit code. User errors are one line, never a stack trace. */
export async function main(argv: string[], io: VerifyIo = PROCESS_VERIFY_IO): Promise<number> {
  const parsed = parseCommandLine(program(), argv, io, ['project']);
  if (typeof parsed === 'number') return parsed;
  const values = parsed.opts<CliOptions>();
  if (Boolean(values.mfaSerial) !== Boolean(values.tokenCode)) {
    io.err(`error: --mfa-serial and --token-code go together\n\n${parsed.helpInformation()}`);
    return USAGE_ERROR;
  }
  const clients = io.clients(values.region || io.env.AWS_REGION || io.env.AWS_DEFAULT_REGION, values.profile);
  try {
    const identity = (await clients.sts.send(new GetCallerIdentityCommand({}) as never)) as {
      Account?: string;
      Arn?: string;
    };
    const options: VerifyOptions = {
      prefix: values.prefix,
      project: values.project,
      envType: values.envType,
      account: identity.Account!,
      mfaSerial: values.mfaSerial,
      tokenCode: values.tokenCode,
    };
    if (!values.json) io.err(`verify: ${options.project}/${options.envType} in ${identity.Account} as ${identity.Arn}`);
    const results = await verify(clients, options, (line) => values.json || io.err(line));
    io.out(values.json ? JSON.stringify(results, null, 2) : formatTable(results));
    return results.every((r) => r.pass) ? 0 : 1;
  } catch (error) {
    const setup = awsSetupProblem(error, values.profile || io.env.AWS_PROFILE);
    if (setup) {
      io.err(`verify: ${setup}`);
      return USAGE_ERROR;
    }
    io.err(`verify: ${errorMessage(error)}`);
    return 1;
  }
}

if (require.main === module) runAsScript('verify', (argv) => main(argv));
