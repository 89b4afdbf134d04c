import { CfnResource, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';

/** The `Resource::` part of an AwsSolutions-IAM5 finding on every object of `bucket` (`<LogicalId.Arn>/*`). */
export function bucketObjectsFinding(bucket: s3.IBucket): string {
  const cfn = bucket.node.defaultChild as CfnResource;
  return `Resource::<${Stack.of(bucket).getLogicalId(cfn)}.Arn>/*`;
}
