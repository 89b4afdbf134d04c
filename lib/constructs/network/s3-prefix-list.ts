import { Aws, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeCompliance } from '../acknowledgements/acknowledge';
import { acknowledgeDeployTimeHandler } from '../acknowledgements/deploy-time-handler';
import { EncryptedLogGroup } from '../observability/encrypted-log-group';

/** Construct id of the singleton provider function aws-cdk-lib creates for every AwsCustomResource. */
const PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/**
 * Looks up the id of the AWS-managed S3 prefix list of this region at deploy time, so security
 * groups can allow egress to the S3 gateway endpoint only, instead of to 0.0.0.0/0. (No
 * CloudFormation attribute exposes it, and a lookup at synth time would need an account.)
 */
export class S3PrefixList extends Construct {
  readonly prefixListId: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const lookup = new cr.AwsCustomResource(this, 'Lookup', {
      onUpdate: {
        service: 'EC2',
        action: 'describeManagedPrefixLists',
        parameters: { Filters: [{ Name: 'prefix-list-name', Values: [`com.amazonaws.${Aws.REGION}.s3`] }] },
        physicalResourceId: cr.PhysicalResourceId.of(`s3-prefix-list-${Aws.REGION}`),
        outputPaths: ['PrefixLists.0.PrefixListId'],
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        // DescribeManagedPrefixLists has no resource type.
        new iam.PolicyStatement({ actions: ['ec2:DescribeManagedPrefixLists'], resources: ['*'] }),
      ]),
      installLatestAwsSdk: false,
      logGroup: new EncryptedLogGroup(this, 'Logs').logGroup,
    });
    this.prefixListId = lookup.getResponseField('PrefixLists.0.PrefixListId');

    Validations.of(lookup).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeManagedPrefixLists has no resource type; read-only lookup of the S3 prefix list id.',
    });
    acknowledgeCompliance(
      lookup,
      'IAMNoInlinePolicy',
      'aws-cdk-lib attaches the lookup permission as an inline policy of the provider role; it allows one read-only EC2 call.',
    );
    const provider = Stack.of(this).node.tryFindChild(PROVIDER_ID);
    if (!provider) throw new Error('AwsCustomResource provider not found: aws-cdk-lib changed its construct id');
    acknowledgeDeployTimeHandler(provider, 'reads the id of the S3 managed prefix list');
  }
}
