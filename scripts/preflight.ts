/**
 * `npm run preflight`: what CloudFormation, IAM and the services would reject at deploy or launch time, found
 * offline in the synthesized assembly (stacks, and products launched at representative and longest parameters).
 * Prints findings grouped by check and the size of every IAM policy; exits 1 on any finding.
 *
 *   npm run preflight -- [--assembly cdk.out] [--json] [--concurrency-quota 10]
 */
import { runPreflight } from './preflight/run';

const USAGE = `Usage: npm run preflight -- [options]

Checks the synthesized templates for what would fail at deploy or launch time:
  iam-quota            IAM policy sizes within 85% of their quotas at the longest launch parameters
  dynamic-references   {{resolve:...}} only where CloudFormation resolves it
  service-key-access   KMS keys and delivery policies let in the services that use them
  lambda-deploy        dead-letter permissions before CreateFunction; reserved concurrency vs the account quota
  cross-template       PrivateLink AZs, unique / retained / limited names, export clashes

Options:
  --assembly DIR           cloud assembly to read (default: cdk.out; run 'npx cdk synth' first)
  --json                   print {findings, policySizes} as JSON
  --concurrency-quota N    account Lambda concurrency quota to model (default: 10, a new account)
  --help                   show this help

Exit code: 0 when nothing is found, 1 on any finding, 2 on a usage error.`;

function parseArgs(argv: string[]): { assembly: string; json: boolean; concurrencyQuota: number } | 'help' {
  const options = { assembly: 'cdk.out', json: false, concurrencyQuota: 10 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    else if (arg === '--json') options.json = true;
    else if (arg === '--assembly') options.assembly = argv[++i] ?? '';
    else if (arg === '--concurrency-quota') options.concurrencyQuota = Number(argv[++i]);
    else throw new Error(`Unknown option ${arg}`);
  }
  if (!options.assembly) throw new Error('--assembly needs a directory');
  if (!Number.isInteger(options.concurrencyQuota) || options.concurrencyQuota < 0) {
    throw new Error('--concurrency-quota needs a whole number');
  }
  return options;
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parseArgs>;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const report = await runPreflight(options.assembly, { concurrencyQuota: options.concurrencyQuota });
  if (options.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(report.text);
  }
  return report.findings.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exit(2);
  },
);
