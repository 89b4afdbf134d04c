import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Props of {@link EncryptionKey}. */
export interface EncryptionKeyProps {
  /** What the key protects, shown in the KMS console. */
  readonly description: string;
  /** @default - 'alias/' is not set */
  readonly alias?: string;
}

/**
 * A customer managed key with the settings every key of this app needs: yearly rotation,
 * retained on delete (data encrypted under it stays readable), and grants only for AWS
 * services acting on AWS resources — nobody can hand out a grant that outlives a policy.
 */
export class EncryptionKey extends kms.Key {
  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id, {
      description: props.description,
      alias: props.alias,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'GrantsOnlyForAwsServices',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: {
          BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
        },
      }),
    );
  }
}
