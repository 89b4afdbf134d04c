import { CfnResource, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';

function arnToken(resource: IConstruct): string {
  const cfn = resource.node.defaultChild as CfnResource;
  return `<${Stack.of(resource).getLogicalId(cfn)}.Arn>`;
}

/** The `Resource::` part of an AwsSolutions-IAM5 finding on objects of `bucket` matching `keyPattern`. */
export function bucketObjectsFinding(bucket: s3.IBucket, keyPattern = '*'): string {
  return `Resource::${arnToken(bucket)}/${keyPattern}`;
}

/** The `Resource::` part of an AwsSolutions-IAM5 finding on the streams of `logGroup`. */
export function logStreamsFinding(logGroup: logs.ILogGroup): string {
  return `Resource::${arnToken(logGroup)}:*`;
}
