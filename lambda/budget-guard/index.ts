import { BudgetsClient } from '@aws-sdk/client-budgets';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { IAMClient } from '@aws-sdk/client-iam';
import { SNSClient } from '@aws-sdk/client-sns';
import { Names } from '../../lib/config/names';
import { Finding, guard } from './guard';

// Throttling and transient errors are retried by the SDK itself (adaptive backoff).
const retry = { maxAttempts: 6, retryMode: 'adaptive' as const };
// AWS Budgets has one endpoint per partition: the SDK resolves it from any region.
const budgets = new BudgetsClient(retry);
const sagemaker = new SageMakerClient(retry);
const sns = new SNSClient(retry);
const iam = new IAMClient(retry);

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}

/** One JSON line per decision, so CloudWatch Logs Insights can query them. */
function log(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Runs on a schedule: the event carries nothing the guard needs. */
export const handler = (): Promise<Finding[]> =>
  guard({
    budgets,
    sagemaker,
    sns,
    iam,
    topicArn: required('TOPIC_ARN'),
    account: required('ACCOUNT_ID'),
    partition: required('PARTITION'),
    names: new Names(required('PREFIX')),
    log,
  });
