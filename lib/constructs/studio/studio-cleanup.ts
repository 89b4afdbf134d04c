import * as path from 'node:path';
import { Aws, Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { accountArn } from '../../config/arns';
import { Names, TAG_KEYS } from '../../config/names';
import { acknowledgeCompliance, acknowledgeGuardRule } from '../acknowledgements/acknowledge';
import { logStreamsFinding } from '../acknowledgements/findings';
import { EncryptedLogGroup } from '../observability/encrypted-log-group';
import {
  acknowledgePlatformFunction,
  ownLogsStatement,
  PLATFORM_FUNCTION_DEFAULTS,
} from '../observability/platform-function';

/** Where the function's code lives. */
export const CLEANUP_ENTRY = path.join(__dirname, '..', '..', '..', 'lambda', 'studio-cleanup', 'index.ts');

/** ARN of the cleanup function, as product templates name it (ServiceToken) and launch roles may invoke it. */
export function studioCleanupArn(names: Names): string {
  return accountArn('lambda', `function:${names.studioCleanupFunction}`);
}

/**
 * How long CloudFormation waits for the function's answer (it answers within its own 15 minutes): a lost
 * answer fails the operation after this, not after CloudFormation's default hour.
 */
export const STUDIO_CLEANUP_TIMEOUT_SECONDS = 960;

/** Resource type of the cleanup custom resources in product templates. */
export const STUDIO_CLEANUP_TYPE = 'Custom::StudioCleanup';

/** Tag SageMaker puts on what it creates for a domain (the home file system). */
const SAGEMAKER_MANAGED_TAG = 'ManagedByAmazonSageMakerResource';

/**
 * The function behind the Studio cleanup custom resources of the project products: before a user
 * profile goes, it deletes the profile's apps and spaces; when a project's domain goes, it deletes
 * the domain with its home file system retained, then the file system's mount targets and the NFS
 * security groups SageMaker left in the project subnets. Without it, terminating a Studio user
 * launch or a project environment with Studio fails.
 */
export class StudioCleanup extends Construct {
  readonly function: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: { readonly names: Names }) {
    super(scope, id);
    const { names } = props;
    const logs = new EncryptedLogGroup(this, 'Logs');
    const role = new iam.Role(this, 'Role', {
      description: 'Studio cleanup: apps and spaces of a departing profile, what a deleted domain leaves behind',
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    });
    const sagemaker = (type: string) => accountArn('sagemaker', `${type}/*`);
    const ownDomains = { StringEquals: { [`aws:ResourceTag/${TAG_KEYS.system}`]: names.prefix } };
    const policy = new iam.ManagedPolicy(this, 'Policy', {
      description: 'Only what the Studio cleanup needs: project domains, their spaces and apps, their NFS leftovers',
      roles: [role],
      statements: [
        new iam.PolicyStatement({
          sid: 'DeleteProjectDomains',
          actions: ['sagemaker:DeleteDomain'],
          resources: [sagemaker('domain')],
          conditions: ownDomains,
        }),
        // Reading the system tag is how the function tells a project domain from any other; a deleted domain has no
        // tags, so its describe must not depend on them (it then reads as not found, not as refused).
        new iam.PolicyStatement({
          sid: 'ReadDomains',
          actions: ['sagemaker:DescribeDomain', 'sagemaker:ListTags'],
          resources: [sagemaker('domain')],
        }),
        new iam.PolicyStatement({
          sid: 'ListSpacesAndApps',
          actions: ['sagemaker:ListSpaces', 'sagemaker:ListApps'],
          resources: ['*'],
        }),
        // Spaces and apps carry no tags of their own; the function deletes only those of a profile in a tagged domain.
        new iam.PolicyStatement({
          sid: 'DeleteProfileSpacesAndApps',
          actions: ['sagemaker:DeleteApp', 'sagemaker:DeleteSpace'],
          resources: [sagemaker('app'), sagemaker('space')],
        }),
        new iam.PolicyStatement({
          sid: 'RemoveHomeMountTargets',
          actions: ['elasticfilesystem:DescribeMountTargets', 'elasticfilesystem:DeleteMountTarget'],
          resources: [accountArn('elasticfilesystem', 'file-system/*')],
          conditions: { StringLike: { [`aws:ResourceTag/${SAGEMAKER_MANAGED_TAG}`]: sagemaker('domain') } },
        }),
        // DeleteMountTarget also needs the caller's right to delete the mount target's network interface.
        new iam.PolicyStatement({
          sid: 'RemoveMountTargetInterfaces',
          actions: ['ec2:DeleteNetworkInterface'],
          resources: [accountArn('ec2', 'network-interface/*')],
        }),
        new iam.PolicyStatement({
          sid: 'FindNfsGroups',
          actions: ['ec2:DescribeSecurityGroups'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'RemoveNfsGroups',
          actions: ['ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress', 'ec2:DeleteSecurityGroup'],
          resources: [accountArn('ec2', 'security-group/*')],
        }),
        ownLogsStatement(logs.logGroup),
      ],
    });
    Validations.of(policy).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'ListSpaces, ListApps and DescribeSecurityGroups have no resource type.',
      },
      ...['domain', 'app', 'space'].map((type) => ({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:${type}/*]`,
        reason: `Domain ids are generated at launch: domain deletes need the ${TAG_KEYS.system} tag of this platform; the function deletes spaces and apps only of a profile in such a domain, as a launch's termination asks.`,
      })),
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticfilesystem:<AWS::Region>:<AWS::AccountId>:file-system/*]',
        reason: `File system ids are generated by SageMaker; only those it tags as a domain's (${SAGEMAKER_MANAGED_TAG}), and only their mount targets (the file system is retained).`,
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*]',
        reason:
          "EFS's DeleteMountTarget deletes the mount target's interface with the caller's rights; ids are generated, and the function deletes only mount targets of a domain's home volume.",
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:security-group/*]',
        reason:
          "SageMaker names the NFS groups of a domain after its id but does not tag them; the function removes only the two groups so named in the domain's VPC.",
      },
      {
        id: `AwsSolutions-IAM5[${logStreamsFinding(logs.logGroup)}]`,
        reason: 'Log streams of the function own log group; Lambda names them per container.',
      },
    );
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      ...PLATFORM_FUNCTION_DEFAULTS,
      functionName: names.studioCleanupFunction,
      entry: CLEANUP_ENTRY,
      description: 'Studio cleanup for project products: profile spaces and apps, domain leftovers',
      role: role.withoutPolicyUpdates(),
      memorySize: 256,
      // Deleting a domain and its mount targets takes minutes: the most Lambda allows.
      timeout: Duration.minutes(15),
      retryAttempts: 0,
      logGroup: logs.logGroup,
      environment: { PREFIX: names.prefix },
    });
    this.function.node.addDependency(policy);
    const answered =
      'Invoked by CloudFormation for custom resources: every outcome, failures included, is answered to CloudFormation, which shows it in the stack events; a dead-letter queue would hold nothing to act on.';
    acknowledgeCompliance(this.function, 'LambdaDLQ', answered);
    acknowledgeGuardRule(this.function, 'lambda_dlq_check', answered);
    acknowledgePlatformFunction(this.function, {
      outsideVpc:
        'The function only calls the SageMaker, EFS and EC2 APIs over TLS and answers a presigned S3 URL; a VPC would add endpoints without protecting anything.',
      unreserved:
        'Reserved concurrency fails on new accounts whose concurrency quota is 10; it runs once per terminated Studio launch.',
    });
  }
}
