import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { IConstruct } from 'constructs';
import {
  acknowledgeCompliance,
  acknowledgeGuardRule,
  acknowledgeLintRule,
  HIPAA_AND_NIST,
} from '../acknowledgements/acknowledge';
import { EncryptionKey } from '../encryption/encryption-key';

/**
 * What every platform function (the detective control, the budget guard) runs with: the current
 * Node.js runtime on Graviton, JSON logs, no tracing, and a small CommonJS bundle built locally.
 */
export const PLATFORM_FUNCTION_DEFAULTS = {
  runtime: lambda.Runtime.NODEJS_24_X,
  architecture: lambda.Architecture.ARM_64,
  loggingFormat: lambda.LoggingFormat.JSON,
  tracing: lambda.Tracing.DISABLED,
  bundling: { minify: true, sourceMap: false, target: 'node24', format: nodejs.OutputFormat.CJS },
} as const;

/** Publishing findings to the encrypted findings topic (SNS asks the key on the function's behalf). */
export function reportFindingsStatements(topic: sns.ITopic, topicKey: EncryptionKey): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ sid: 'ReportFindings', actions: ['sns:Publish'], resources: [topic.topicArn] }),
    new iam.PolicyStatement({
      sid: 'EncryptFindings',
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [topicKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `sns.${Aws.REGION}.amazonaws.com` } },
    }),
  ];
}

/** Writing the function's own log streams. */
export function ownLogsStatement(logGroup: logs.ILogGroup): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'WriteOwnLogs',
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [`${logGroup.logGroupArn}:*`],
  });
}

/**
 * The findings every platform function raises, acknowledged on it with reasons specific to it:
 * outside a VPC (`outsideVpc`), without reserved concurrency (`unreserved`, when none is set), and
 * the linter's note on the DependsOn aws-cdk-lib adds.
 */
export function acknowledgePlatformFunction(
  fn: IConstruct,
  reasons: { readonly outsideVpc: string; readonly unreserved?: string },
): void {
  acknowledgeCompliance(fn, 'LambdaInsideVPC', reasons.outsideVpc);
  acknowledgeGuardRule(fn, 'lambda_inside_vpc_check', reasons.outsideVpc);
  if (reasons.unreserved) {
    acknowledgeCompliance(fn, 'LambdaConcurrency', reasons.unreserved, HIPAA_AND_NIST);
    acknowledgeGuardRule(fn, 'lambda_concurrency_check', reasons.unreserved);
  }
  acknowledgeLintRule(
    fn,
    'W3005',
    'aws-cdk-lib orders every function after its role with a DependsOn that duplicates the GetAtt; harmless, and not removable on the L2.',
  );
}
