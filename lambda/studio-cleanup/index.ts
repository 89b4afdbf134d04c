import { EC2Client } from '@aws-sdk/client-ec2';
import { EFSClient } from '@aws-sdk/client-efs';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { CleanupRequest, handle } from './cleanup';

const retry = { maxAttempts: 6, retryMode: 'adaptive' as const };
const sagemaker = new SageMakerClient(retry);
const efs = new EFSClient(retry);
const ec2 = new EC2Client(retry);

/** The CloudFormation custom resource request (the fields this function reads). */
export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: CleanupRequest & { readonly ServiceToken: string };
}

/** What CloudFormation receives: the status and, on failure, the reason it shows in the stack events. */
export function responseBody(event: CustomResourceEvent, status: 'SUCCESS' | 'FAILED', reason: string): string {
  return JSON.stringify({
    Status: status,
    Reason: reason.slice(0, 1000),
    PhysicalResourceId:
      event.PhysicalResourceId ?? `${event.ResourceProperties.Kind}-cleanup-${event.ResourceProperties.DomainId}`,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
}

export async function handler(
  event: CustomResourceEvent,
  context: { getRemainingTimeInMillis(): number },
): Promise<void> {
  let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
  let reason = 'nothing to clean up';
  try {
    const deleted = await handle(
      {
        sagemaker,
        efs,
        ec2,
        prefix: process.env.PREFIX ?? '',
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        // Leave a minute to answer CloudFormation.
        deadline: Date.now() + context.getRemainingTimeInMillis() - 60_000,
        now: Date.now,
        log: (line) => process.stdout.write(`${JSON.stringify(line)}\n`),
      },
      event.RequestType,
      event.ResourceProperties,
    );
    if (deleted.length > 0) reason = `deleted: ${deleted.join(', ')}`;
  } catch (error) {
    status = 'FAILED';
    reason = error instanceof Error ? error.message : String(error);
    process.stdout.write(`${JSON.stringify({ error: reason })}\n`);
  }
  const body = responseBody(event, status, reason);
  // The response URL is a presigned S3 URL: no credentials, and an empty content type as S3 signed it.
  const response = await fetch(event.ResponseURL, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (!response.ok) throw new Error(`CloudFormation response refused: ${response.status}`);
}
