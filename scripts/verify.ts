/**
 * `npm run verify -- --project NAME [--env-type dev] [--region R] [--profile P] [--json] [--prefix sds]
 *                    [--mfa-serial ARN --token-code CODE]`
 *
 * Proves on a deployed account that the controls hold, without creating billable resources:
 * probes as the project user (IAM decisions told apart from validation errors) and checks of
 * the deployed configuration. Exit code 1 on any FAIL.
 */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { parseArgs } from 'node:util';
import { awsClients, CheckResult, verify, VerifyError, VerifyOptions } from './verify/probes';

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

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      project: { type: 'string' },
      'env-type': { type: 'string', default: 'dev' },
      region: { type: 'string' },
      profile: { type: 'string' },
      prefix: { type: 'string', default: 'sds' },
      json: { type: 'boolean', default: false },
      'mfa-serial': { type: 'string' },
      'token-code': { type: 'string' },
    },
  });
  if (!values.project) {
    console.error(
      'usage: npm run verify -- --project NAME [--env-type dev] [--region R] [--profile P] [--json] [--mfa-serial ARN --token-code CODE]',
    );
    return 2;
  }
  if (values.profile) process.env.AWS_PROFILE = values.profile;
  const clients = awsClients(values.region);
  try {
    const identity = (await clients.sts.send(new GetCallerIdentityCommand({}) as never)) as {
      Account?: string;
      Arn?: string;
    };
    const options: VerifyOptions = {
      prefix: values.prefix!,
      project: values.project,
      envType: values['env-type']!,
      account: identity.Account!,
      mfaSerial: values['mfa-serial'],
      tokenCode: values['token-code'],
    };
    if (!values.json)
      console.error(`verify: ${options.project}/${options.envType} in ${identity.Account} as ${identity.Arn}`);
    const results = await verify(clients, options, (line) => values.json || console.error(line));
    console.log(values.json ? JSON.stringify(results, null, 2) : formatTable(results));
    return results.every((r) => r.pass) ? 0 : 1;
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (error instanceof VerifyError) console.error(`verify: ${error.message}`);
    else if (name === 'CredentialsProviderError')
      console.error('verify: no AWS credentials: sign in (aws sso login, AWS_PROFILE or --profile).');
    else console.error(`verify: ${(error as Error).message}`);
    return 1;
  }
}

if (require.main === module) void main().then((code) => process.exit(code));
