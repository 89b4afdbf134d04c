import { Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { acknowledgeCompliance, HIPAA_AND_NIST, acknowledgeGuardRule, acknowledgeLintRule } from './acknowledge';

/**
 * Acknowledges, on one aws-cdk-lib custom-resource handler, the findings that concern the way
 * aws-cdk-lib builds such handlers and do not apply to a function CloudFormation alone invokes
 * during deploys. `what` says what this handler does, for the reasons.
 */
export function acknowledgeDeployTimeHandler(
  handler: IConstruct,
  what: string,
  extra: { id: string; why: string }[] = [],
): void {
  const base = `aws-cdk-lib custom-resource handler that ${what}; CloudFormation invokes it only during deploys`;
  const inVpc = `${base}; it only calls AWS APIs, has no network path to protect, and this stack has no VPC route out to give it.`;
  const concurrency = `${base}, once per deploy, so there is no load to cap.`;
  const dlq = `${base} synchronously and rolls back on failure; there is no asynchronous event to keep.`;
  const inline = `${base}; aws-cdk-lib writes its grants as the role's default policy, scoped to what it touches.`;
  acknowledgeGuardRule(handler, 'lambda_inside_vpc_check', inVpc);
  acknowledgeLintRule(
    handler,
    'W3005',
    `${base}; aws-cdk-lib declares a DependsOn on its role that duplicates the GetAtt.`,
  );
  acknowledgeCompliance(handler, 'LambdaInsideVPC', inVpc);
  acknowledgeCompliance(handler, 'LambdaConcurrency', concurrency, HIPAA_AND_NIST);
  acknowledgeCompliance(handler, 'LambdaDLQ', dlq, HIPAA_AND_NIST);
  acknowledgeCompliance(handler, 'IAMNoInlinePolicy', inline);
  Validations.of(handler).acknowledge(
    {
      id: 'AwsSolutions-L1',
      reason: `${base}; aws-cdk-lib pins a supported runtime together with the handler code it ships.`,
    },
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: `${base}; the AWS managed basic execution policy only lets it write its own logs.`,
    },
    ...extra.map((e) => ({ id: e.id, reason: `${base}; ${e.why}` })),
  );
}
