import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { Names } from '../../lib/config/names';
import { enforce, Outcome } from './enforce';
import { ProjectNetwork, readProjectNetworks } from './projects';

// Throttling and transient errors are retried by the SDK itself (adaptive backoff).
const retry = { maxAttempts: 6, retryMode: 'adaptive' as const };
const sagemaker = new SageMakerClient(retry);
const sns = new SNSClient(retry);
const ssm = new SSMClient(retry);

/** Project networks change rarely; a warm container re-reads them after a minute. */
const CACHE_MS = 60_000;
let cached: { at: number; networks: ProjectNetwork[] } | undefined;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}

/** One JSON line per decision, so CloudWatch Logs Insights can query them. */
function log(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ control: 'sagemaker-network', ...line })}\n`);
}

export const handler = (event: unknown): Promise<Outcome> =>
  enforce(event, {
    sagemaker,
    sns,
    topicArn: required('TOPIC_ARN'),
    mode: process.env.MODE === 'notify' ? 'notify' : 'enforce',
    log,
    projectNetworks: async ({ fresh = false } = {}) => {
      if (fresh || !cached || Date.now() - cached.at > CACHE_MS) {
        cached = { at: Date.now(), networks: await readProjectNetworks(ssm, new Names(required('PREFIX'))) };
      }
      return cached.networks;
    },
  });
