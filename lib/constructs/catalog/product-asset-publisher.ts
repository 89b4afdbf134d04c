import { Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeDeployTimeHandler } from '../acknowledgements/deploy-time-handler';
import { bucketObjectsFinding } from '../acknowledgements/findings';
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
  const copies = 'copies product templates between two S3 buckets of this account';
  acknowledgeDeployTimeHandler(handler, copies, [
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
      why: "action groups from aws-cdk-lib's bucket grants, on the CDK staging bucket and the asset bucket only.",
    })),
    ...[
      bucketObjectsFinding(assetBucket),
      'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
    ].map((finding) => ({
      id: `AwsSolutions-IAM5[${finding}]`,
      why: 'asset object keys are content hashes known only at deploy time; scoped to the staging and asset buckets.',
    })),
  ]);
}
