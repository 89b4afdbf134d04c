import { Arn, ArnFormat, Aws } from 'aws-cdk-lib';

/**
 * An ARN in this account and partition, formatted by CDK: `resource` is everything after the
 * account (`notebook-instance/x`, `log-group:/aws/sagemaker/*`). Regional unless `global` (IAM).
 */
export function accountArn(service: string, resource: string, where: 'regional' | 'global' = 'regional'): string {
  return Arn.format({
    partition: Aws.PARTITION,
    service,
    region: where === 'global' ? '' : Aws.REGION,
    account: Aws.ACCOUNT_ID,
    resource,
    arnFormat: ArnFormat.NO_RESOURCE_NAME,
  });
}

/** An IAM ARN of this account (`role/x`, `policy/x`, `root`). */
export const iamArn = (resource: string): string => accountArn('iam', resource, 'global');

/** An S3 ARN (`bucket` or `bucket/key`): S3 ARNs name neither region nor account. */
export function s3Arn(resource: string): string {
  return Arn.format({
    partition: Aws.PARTITION,
    service: 's3',
    region: '',
    account: '',
    resource,
    arnFormat: ArnFormat.NO_RESOURCE_NAME,
  });
}
