import { Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeGuardRule, acknowledgeLintRule } from '../guardrails/acknowledge';
import { bucketObjectsFinding } from '../guardrails/findings';
import { EncryptedLogGroup } from '../observability/encrypted-log-group';

/** Props of {@link ProductAssetPublisher}. */
export interface ProductAssetPublisherProps {
  /** The bucket passed as `assetBucket` to every ProductStack. */
  readonly assetBucket: s3.Bucket;
}

/** Construct id the ProductStack synthesizer looks for under the asset bucket. */
const DEPLOYMENT_ID = 'ProductAssetsDeployment';

/**
 * Copies ProductStack assets (nested product templates, seeded files) from the CDK staging
 * bucket into the catalog asset bucket at deploy time. The ProductStack synthesizer would
 * create this deployment on its own during synthesis, too late to configure it or to review
 * its guardrail findings; creating it first under the id it looks for makes it adopt this one.
 */
export class ProductAssetPublisher extends Construct {
  readonly deployment: s3deploy.BucketDeployment;

  constructor(scope: Construct, id: string, props: ProductAssetPublisherProps) {
    super(scope, id);
    const logs = new EncryptedLogGroup(this, 'Logs');
    this.deployment = new s3deploy.BucketDeployment(props.assetBucket, DEPLOYMENT_ID, {
      sources: [],
      destinationBucket: props.assetBucket,
      // Same settings as the synthesizer's: keep every published version, copy files as they are.
      extract: false,
      prune: false,
      retainOnDelete: true,
      outputObjectKeys: false,
      memoryLimit: 512,
      logGroup: logs.logGroup,
    });
    acknowledgeHandlerFindings(handlerFunction(this), props.assetBucket);
  }
}

/** The deployment's handler is a stack-level singleton that aws-cdk-lib names after its own UUID. */
function handlerFunction(scope: Construct): IConstruct {
  const handler = Stack.of(scope).node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
  if (!handler) throw new Error('BucketDeployment handler not found: aws-cdk-lib changed its construct id');
  return handler;
}

function acknowledgeHandlerFindings(handler: IConstruct, assetBucket: s3.IBucket): void {
  const deployOnly =
    'aws-cdk-lib BucketDeployment handler: runs only during CloudFormation deploys to copy product templates between two S3 buckets of this account; ';
  const inVpc = `${deployOnly}it has no network path to protect and no VPC in this stack (S3 is reached over AWS endpoints with TLS).`;
  const concurrency = `${deployOnly}CloudFormation invokes it once per deploy, so there is no load to cap.`;
  const dlq = `${deployOnly}failures are reported synchronously to CloudFormation, which rolls the deploy back; there is no async event to keep.`;
  const inline = `${deployOnly}its grants are created by aws-cdk-lib as the role's default policy, scoped to the two buckets and the asset key.`;
  acknowledgeGuardRule(handler, 'lambda_inside_vpc_check', inVpc);
  acknowledgeLintRule(
    handler,
    'W3005',
    `${deployOnly}aws-cdk-lib declares the DependsOn on its role and policy; only the role one is redundant, and it cannot be removed separately.`,
  );
  Validations.of(handler).acknowledge(
    { id: 'HIPAA.Security-LambdaInsideVPC', reason: inVpc },
    { id: 'NIST.800.53.R5-LambdaInsideVPC', reason: inVpc },
    { id: 'PCI.DSS.321-LambdaInsideVPC', reason: inVpc },
    { id: 'HIPAA.Security-LambdaConcurrency', reason: concurrency },
    { id: 'NIST.800.53.R5-LambdaConcurrency', reason: concurrency },
    { id: 'HIPAA.Security-LambdaDLQ', reason: dlq },
    { id: 'NIST.800.53.R5-LambdaDLQ', reason: dlq },
    { id: 'HIPAA.Security-IAMNoInlinePolicy', reason: inline },
    { id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason: inline },
    { id: 'PCI.DSS.321-IAMNoInlinePolicy', reason: inline },
    {
      id: 'AwsSolutions-L1',
      reason: `${deployOnly}aws-cdk-lib pins its Python runtime (a supported one) together with the handler code it ships.`,
    },
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: `${deployOnly}the AWS managed basic execution policy only allows writing its own logs.`,
    },
    ...[
      's3:GetObject*',
      's3:GetBucket*',
      's3:List*',
      's3:DeleteObject*',
      's3:Abort*',
      'kms:ReEncrypt*',
      'kms:GenerateDataKey*',
    ].map((action) => ({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason: `${deployOnly}action groups from aws-cdk-lib's bucket grants, on the CDK staging bucket and the asset bucket only.`,
    })),
    ...[
      bucketObjectsFinding(assetBucket),
      'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
    ].map((finding) => ({
      id: `AwsSolutions-IAM5[${finding}]`,
      reason: `${deployOnly}asset object keys are content hashes known only at deploy time; scoped to the staging and asset buckets.`,
    })),
  );
}
