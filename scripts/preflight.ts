/**
 * `npm run preflight`: what CloudFormation, IAM and the services would reject at deploy or launch time, found
 * offline in the synthesized assembly (stacks, and products launched at representative and longest parameters);
 * with `--account`, also what only the target account and region can tell (read-only AWS calls).
 * Prints findings grouped by check and the size of every IAM policy; exits 1 on any finding.
 *
 *   npm run preflight -- [--assembly cdk.out] [--json] [--concurrency-quota 10] [--account [--region R] [--profile P]]
 */
import * as fs from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { errorMessage, Io, isCredentialError, parseCommandLine, PROCESS_IO, runAsScript, USAGE_ERROR } from './cli';
import { AccountClients, accountClients, callerIdentity } from './preflight/account';
import { runPreflight } from './preflight/run';

const CHECKS_HELP = `
Checks the synthesized templates for what would fail at deploy or launch time:
  iam-quota            IAM policy sizes within 85% of their quotas at the longest launch parameters
  dynamic-references   {{resolve:...}} only where CloudFormation resolves it
  service-key-access   KMS keys and delivery policies let in the services that use them
  lambda-deploy        dead-letter permissions before CreateFunction; reserved concurrency vs the account quota
  cross-template       PrivateLink AZs, unique / retained / limited names, export clashes
  launch-role          launch roles allow every call CloudFormation and Service Catalog make
  account              (--account) the target account's Lambda concurrency, VPC and endpoint quotas, endpoint
                       service AZs, CodeCommit availability and CDK bootstrap version (read-only calls)

Exit code: 0 when nothing is found, 1 on any finding, 2 on a usage error or unusable credentials.`;

/** Parsed command line. */
export interface CliOptions {
  readonly assembly: string;
  readonly json: boolean;
  readonly concurrencyQuota: number;
  readonly account: boolean;
  readonly region?: string;
  readonly profile?: string;
}

const wholeNumber = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n)) throw new InvalidArgumentError('expected a whole number.');
  return n;
};

/** The command line of `npm run preflight`. */
function program(): Command {
  return new Command('npm run preflight --')
    .description('What CloudFormation, IAM and the services would reject at deploy or launch time, found offline.')
    .option('--assembly <dir>', "cloud assembly to read (run 'npx cdk synth' first)", 'cdk.out')
    .option('--json', 'print {findings, policySizes} as JSON')
    .option(
      '--concurrency-quota <n>',
      'account Lambda concurrency quota to model offline (a new account)',
      wholeNumber,
      10,
    )
    .option('--account', 'also check the target account (needs credentials and a region)')
    .option('--region <region>', 'region of the account checks (default: AWS_REGION, then AWS_DEFAULT_REGION)')
    .option(
      '--profile <profile>',
      'named profile of the AWS config files for the account checks (default: AWS_PROFILE)',
    )
    .addHelpText('after', CHECKS_HELP);
}

/** The region of the account checks: `--region`, else the environment; undefined when none is given. */
export function accountRegion(options: CliOptions, env: NodeJS.ProcessEnv): string | undefined {
  return options.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
}

/** What `main` talks to; tests pass their own. */
export interface PreflightIo extends Io {
  readonly env: NodeJS.ProcessEnv;
  readonly clients: (region: string, profile?: string) => AccountClients;
}

const PROCESS_PREFLIGHT_IO: PreflightIo = { ...PROCESS_IO, env: process.env, clients: accountClients };

/** Runs preflight with `argv`; resolves to the exit code. User errors are one line each, never a stack trace. */
export async function main(argv: string[], io: PreflightIo = PROCESS_PREFLIGHT_IO): Promise<number> {
  const parsed = parseCommandLine(program(), argv, io);
  if (typeof parsed === 'number') return parsed;
  const options = parsed.opts<CliOptions>();
  // Calls to AWS only when asked for: --region or --profile alone would otherwise be silently ignored.
  if (!options.account && (options.region || options.profile)) {
    io.err(`error: --region and --profile need --account\n\n${parsed.helpInformation()}`);
    return USAGE_ERROR;
  }
  let account: { clients: AccountClients; region: string; account: string } | undefined;
  if (options.account) {
    const region = accountRegion(options, io.env);
    if (!region) {
      io.err('preflight --account: no region: pass --region R or set AWS_REGION.');
      return USAGE_ERROR;
    }
    const profile = options.profile || io.env.AWS_PROFILE || undefined;
    const clients = io.clients(region, profile);
    try {
      // Fails fast on missing or expired credentials, before the offline checks take their time.
      const identity = await callerIdentity(clients);
      if (!options.json) io.err(`preflight --account: account ${identity.account} as ${identity.arn} in ${region}`);
      account = { clients, region, account: identity.account };
    } catch (e) {
      io.err(credentialMessage(e, profile));
      return USAGE_ERROR;
    }
  }
  if (!fs.existsSync(options.assembly)) {
    io.err(`preflight: ${options.assembly} does not exist: run 'npm run synth' first`);
    return USAGE_ERROR;
  }
  try {
    const report = await runPreflight(options.assembly, { concurrencyQuota: options.concurrencyQuota, account });
    io.out(options.json ? JSON.stringify(report, null, 2) : report.text);
    return report.findings.length === 0 ? 0 : 1;
  } catch (e) {
    if (!isCredentialError(e)) throw e;
    io.err(credentialMessage(e, options.profile));
    return USAGE_ERROR;
  }
}

function credentialMessage(e: unknown, profile: string | undefined): string {
  const name = (e as { name?: string }).name ?? 'Error';
  const using = profile ? `profile '${profile}'` : 'the default credential chain';
  const hint = isCredentialError(e)
    ? `no usable AWS credentials with ${using} (${name}: ${errorMessage(e)}). Sign in (aws sso login) or pass --profile P.`
    : `cannot reach AWS with ${using} (${name}: ${errorMessage(e)}). Check the network, --region and --profile.`;
  return `preflight --account: ${hint}`;
}

if (require.main === module) runAsScript('preflight', (argv) => main(argv));
