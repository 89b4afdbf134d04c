/**
 * `npm run preflight`: what CloudFormation, IAM and the services would reject at deploy or launch time, found
 * offline in the synthesized assembly (stacks, and products launched at representative and longest parameters);
 * with `--account`, also what only the target account and region can tell (read-only AWS calls).
 * Prints findings grouped by check and the size of every IAM policy; exits 1 on any finding.
 *
 *   npm run preflight -- [--assembly cdk.out] [--json] [--concurrency-quota 10] [--account [--region R] [--profile P]]
 */
import { AccountClients, accountClients, callerIdentity, isCredentialError } from './preflight/account';
import { errorMessage } from './preflight/launch';
import { runPreflight } from './preflight/run';

const USAGE = `Usage: npm run preflight -- [options]

Checks the synthesized templates for what would fail at deploy or launch time:
  iam-quota            IAM policy sizes within 85% of their quotas at the longest launch parameters
  dynamic-references   {{resolve:...}} only where CloudFormation resolves it
  service-key-access   KMS keys and delivery policies let in the services that use them
  lambda-deploy        dead-letter permissions before CreateFunction; reserved concurrency vs the account quota
  cross-template       PrivateLink AZs, unique / retained / limited names, export clashes
  launch-role          launch roles allow every call CloudFormation and Service Catalog make
  account              (--account) the target account's Lambda concurrency, VPC and endpoint quotas, endpoint
                       service AZs, CodeCommit availability and CDK bootstrap version (read-only calls)

Options:
  --assembly DIR           cloud assembly to read (default: cdk.out; run 'npx cdk synth' first)
  --json                   print {findings, policySizes} as JSON
  --concurrency-quota N    account Lambda concurrency quota to model offline (default: 10, a new account)
  --account                also check the target account (needs credentials and a region)
  --region R               region of the account checks (default: AWS_REGION, then AWS_DEFAULT_REGION)
  --profile P              named profile of the AWS config files for the account checks (default: AWS_PROFILE)
  --help                   show this help

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

/** Parses the arguments after `preflight`; throws with a message for the user on a usage error. */
export function parseArgs(argv: string[]): CliOptions | 'help' {
  const options: { -readonly [K in keyof CliOptions]: CliOptions[K] } = {
    assembly: 'cdk.out',
    json: false,
    concurrencyQuota: 10,
    account: false,
  };
  const value = (i: number, name: string): string => {
    const v = argv[i];
    if (!v || v.startsWith('--')) throw new Error(`${name} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    else if (arg === '--json') options.json = true;
    else if (arg === '--assembly') options.assembly = argv[++i] ?? '';
    else if (arg === '--concurrency-quota') options.concurrencyQuota = Number(argv[++i]);
    else if (arg === '--account') options.account = true;
    else if (arg === '--region') options.region = value(++i, '--region');
    else if (arg === '--profile') options.profile = value(++i, '--profile');
    else throw new Error(`Unknown option ${arg}`);
  }
  if (!options.assembly) throw new Error('--assembly needs a directory');
  if (!Number.isInteger(options.concurrencyQuota) || options.concurrencyQuota < 0) {
    throw new Error('--concurrency-quota needs a whole number');
  }
  // Calls to AWS only when asked for: --region or --profile alone would otherwise be silently ignored.
  if (!options.account && (options.region || options.profile)) throw new Error('--region and --profile need --account');
  return options;
}

/** The region of the account checks: `--region`, else the environment; undefined when none is given. */
export function accountRegion(options: CliOptions, env: NodeJS.ProcessEnv): string | undefined {
  return options.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
}

/** What `main` talks to; tests pass their own. */
export interface Io {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly clients: (region: string, profile?: string) => AccountClients;
}

const PROCESS_IO: Io = {
  env: process.env,
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  clients: accountClients,
};

/** Runs preflight with `argv`; resolves to the exit code. User errors are one line each, never a stack trace. */
export async function main(argv: string[], io: Io = PROCESS_IO): Promise<number> {
  let options: ReturnType<typeof parseArgs>;
  try {
    options = parseArgs(argv);
  } catch (e) {
    io.err(`${errorMessage(e)}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    io.out(USAGE);
    return 0;
  }
  let account: { clients: AccountClients; region: string; account: string } | undefined;
  if (options.account) {
    const region = accountRegion(options, io.env);
    if (!region) {
      io.err('preflight --account: no region: pass --region R or set AWS_REGION.');
      return 2;
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
      return 2;
    }
  }
  try {
    const report = await runPreflight(options.assembly, { concurrencyQuota: options.concurrencyQuota, account });
    io.out(options.json ? JSON.stringify(report, null, 2) : report.text);
    return report.findings.length === 0 ? 0 : 1;
  } catch (e) {
    if (!isCredentialError(e)) throw e;
    io.err(credentialMessage(e, options.profile));
    return 2;
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

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.stack : e);
      process.exit(2);
    },
  );
}
