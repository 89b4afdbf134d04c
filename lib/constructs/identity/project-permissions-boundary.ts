import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { Names } from '../../config/names';
import { INTERNET_PATH_ACTIONS } from './catalog-statements';
import { iamArn } from '../../config/arns';

/** Props of {@link ProjectPermissionsBoundary}. */
export interface ProjectPermissionsBoundaryProps {
  readonly names: Names;
}

/**
 * SageMaker create calls whose VPC configuration IAM can see (condition key `sagemaker:VpcSubnets`).
 * CreateCompilationJob takes a VPC config but exposes no condition key: the detective control covers it.
 */
export const SAGEMAKER_VPC_CREATE_ACTIONS = [
  'sagemaker:CreateNotebookInstance',
  'sagemaker:CreateTrainingJob',
  'sagemaker:CreateProcessingJob',
  'sagemaker:CreateHyperParameterTuningJob',
  'sagemaker:CreateModel',
  'sagemaker:CreateAutoMLJob',
  'sagemaker:CreateAutoMLJobV2',
  'sagemaker:CreateDataQualityJobDefinition',
  'sagemaker:CreateModelBiasJobDefinition',
  'sagemaker:CreateModelExplainabilityJobDefinition',
  'sagemaker:CreateModelQualityJobDefinition',
  'sagemaker:CreateMonitoringSchedule',
];

/** A schedule may name a job definition (which brought the network and keys) instead of carrying them. */
export const MONITORING_SCHEDULE = 'sagemaker:CreateMonitoringSchedule';

/**
 * Wildcards that name exactly these SageMaker actions today (a test checks each against the Service
 * Authorization Reference): deny statements list them compactly, to stay within IAM's size quotas.
 */
export const EXACT_ACTION_GROUPS: Record<string, readonly string[]> = {
  'sagemaker:Create*JobDefinition': [
    'sagemaker:CreateDataQualityJobDefinition',
    'sagemaker:CreateModelBiasJobDefinition',
    'sagemaker:CreateModelExplainabilityJobDefinition',
    'sagemaker:CreateModelQualityJobDefinition',
  ],
  'sagemaker:CreateAutoMLJob*': ['sagemaker:CreateAutoMLJob', 'sagemaker:CreateAutoMLJobV2'],
};

/** `actions` with every complete group replaced by its wildcard; for deny statements only. */
export function compactActions(actions: readonly string[]): string[] {
  let result = [...actions];
  for (const [wildcard, members] of Object.entries(EXACT_ACTION_GROUPS)) {
    if (members.every((m) => result.includes(m))) {
      result = [...result.filter((a) => !members.includes(a)), wildcard];
    }
  }
  return result;
}

/**
 * The ceiling of every role a project creates (admin, user, notebook launch and execution
 * roles): the services data science needs, and hard denies no identity policy can lift —
 * no escaping the boundary, no internet paths, no SageMaker outside a VPC.
 */
export class ProjectPermissionsBoundary extends Construct {
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: ProjectPermissionsBoundaryProps) {
    super(scope, id);
    const { names } = props;
    const boundaryArn = iamArn(`policy/${names.projectBoundaryPolicy}`);
    const projectRoles = iamArn(`role/${names.projectPattern}`);
    const projectPolicies = iamArn(`policy/${names.projectPattern}`);

    // Ceiling only: identity policies of each role grant the narrow subset.
    const dataScience = new iam.PolicyStatement({
      sid: 'DataScienceServices',
      actions: [
        ...['Create*', 'Describe*', 'List*', 'Search*', 'Start*', 'Stop*', 'Update*', 'Delete*', 'Add*'].map(
          (verb) => `sagemaker:${verb}`,
        ),
        ...[
          'Get*',
          'Put*',
          'Batch*',
          'Associate*',
          'Disassociate*',
          'InvokeEndpoint*',
          'Query*',
          'Retry*',
          'Send*',
        ].map((verb) => `sagemaker:${verb}`),
        // Endpoint scaling (identity policies keep it to the project's tagged SageMaker targets).
        'application-autoscaling:*',
        // Data: read, write and list; deleting object versions (losing data) is not in the ceiling.
        's3:GetObject*',
        's3:PutObject',
        's3:PutObjectTagging',
        's3:DeleteObject',
        's3:AbortMultipartUpload',
        's3:ListBucket*',
        's3:ListMultipartUploadParts',
        's3:GetBucketLocation',
        's3:GetEncryptionConfiguration',
        // Key use through services and reading key settings; never creating, re-writing, deleting or disabling keys.
        'kms:Encrypt',
        'kms:Decrypt',
        'kms:ReEncrypt*',
        'kms:GenerateDataKey*',
        'kms:DescribeKey',
        'kms:CreateGrant',
        'kms:ListGrants',
        'kms:RetireGrant',
        'kms:GetKey*',
        'kms:ListResourceTags',
        'kms:ListAliases',
        'logs:CreateLog*',
        'logs:PutLogEvents',
        'logs:Describe*',
        'logs:Get*',
        'logs:FilterLogEvents',
        'logs:StartQuery',
        'logs:StopQuery',
        'cloudwatch:PutMetricData',
        'cloudwatch:GetMetric*',
        'cloudwatch:ListMetrics',
        'cloudwatch:Describe*',
        'ecr:GetAuthorizationToken',
        'ecr:BatchGetImage',
        // Image pulls and pushes (layer checks, downloads and uploads); identity policies name the project repository.
        'ecr:*Layer*',
        'ecr:PutImage',
        'ecr:Describe*',
        'ecr:List*',
        'codecommit:Git*',
        'codecommit:Get*',
        'codecommit:List*',
        'codecommit:BatchGet*',
        'codecommit:Describe*',
        'codecommit:CreateBranch',
        'codecommit:CreateCommit',
        'codecommit:CreatePullRequest',
        'codecommit:UpdatePullRequest*',
        'codecommit:Merge*',
        'codecommit:PostComment*',
        'ssm:GetParameter*',
        'ssm:DescribeParameters',
        'servicecatalog:Describe*',
        'servicecatalog:List*',
        'servicecatalog:Search*',
        'servicecatalog:Scan*',
        'servicecatalog:ProvisionProduct',
        'servicecatalog:UpdateProvisionedProduct',
        'servicecatalog:TerminateProvisionedProduct',
        'servicecatalog:GetProvisionedProductOutputs',
        'servicecatalog:AssociatePrincipalWithPortfolio',
        'servicecatalog:DisassociatePrincipalFromPortfolio',
        'cloudformation:Describe*',
        'cloudformation:List*',
        'cloudformation:Get*',
        'cloudformation:ValidateTemplate',
        'cloudformation:CreateStack',
        'cloudformation:UpdateStack',
        'cloudformation:DeleteStack',
        'cloudformation:*ChangeSet',
        'cloudformation:SetStackPolicy',
        'cloudformation:TagResource',
        'cloudformation:UntagResource',
        'ec2:Describe*',
        'ec2:CreateNetworkInterface*',
        'ec2:DeleteNetworkInterface*',
        'ec2:CreateTags',
        'lambda:Get*',
        'lambda:List*',
        'resource-groups:Get*',
        'resource-groups:List*',
        'resource-groups:Search*',
        'tag:GetResources',
        'sts:GetCallerIdentity',
        'iam:GetRole*',
        'iam:ListRole*',
        'iam:ListAttachedRolePolicies',
      ],
      resources: ['*'],
    });

    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      managedPolicyName: names.projectBoundaryPolicy,
      description: 'Ceiling of every role created for a data science project',
      statements: [
        dataScience,
        // Roles a project creates (notebook execution roles) must carry this same boundary.
        new iam.PolicyStatement({
          sid: 'CreateOnlyBoundedProjectRoles',
          actions: ['iam:CreateRole', 'iam:PutRolePermissionsBoundary'],
          resources: [projectRoles],
          conditions: {
            StringEquals: { 'iam:PermissionsBoundary': boundaryArn },
          },
        }),
        new iam.PolicyStatement({
          sid: 'ManageProjectRoles',
          actions: [
            'iam:DeleteRole',
            'iam:UpdateRole',
            'iam:UpdateRoleDescription',
            'iam:UpdateAssumeRolePolicy',
            'iam:AttachRolePolicy',
            'iam:DetachRolePolicy',
            'iam:TagRole',
            'iam:UntagRole',
            'iam:PutRolePolicy',
            'iam:DeleteRolePolicy',
            'iam:PassRole',
            // A project admin acts on the project's launches as its user role (that role's trust names the admin).
            'sts:AssumeRole',
            'sts:TagSession',
          ],
          resources: [projectRoles],
        }),
        // Prevents removing or rewriting the ceiling itself.
        new iam.PolicyStatement({
          sid: 'DenyBoundaryTampering',
          effect: iam.Effect.DENY,
          actions: [
            'iam:DeleteRolePermissionsBoundary',
            'iam:CreatePolicyVersion',
            'iam:DeletePolicy',
            'iam:DeletePolicyVersion',
            'iam:SetDefaultPolicyVersion',
          ],
          resources: ['*'],
        }),
        // Prevents minting policies, and attaching any but the project policies a project environment created
        // (never AdministratorAccess, nor this boundary as a grant): a notebook role gets its project's policies.
        new iam.PolicyStatement({
          sid: 'DenyManagedPolicyAttachment',
          effect: iam.Effect.DENY,
          actions: ['iam:AttachUserPolicy', 'iam:AttachGroupPolicy', 'iam:CreatePolicy'],
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'DenyOtherPolicyAttachment',
          effect: iam.Effect.DENY,
          actions: ['iam:AttachRolePolicy'],
          resources: ['*'],
          conditions: { ArnNotLike: { 'iam:PolicyARN': projectPolicies } },
        }),
        // Prevents opening a path to the internet from a project network.
        new iam.PolicyStatement({
          sid: 'DenyInternetPaths',
          effect: iam.Effect.DENY,
          actions: [
            ...INTERNET_PATH_ACTIONS,
            'ec2:AcceptVpcPeeringConnection',
            'ec2:AssociateAddress',
            'sagemaker:CreatePresignedDomainUrl',
          ],
          resources: ['*'],
        }),
        // Prevents SageMaker workloads outside a VPC, whoever the caller in the project.
        new iam.PolicyStatement({
          sid: 'DenySageMakerWithoutVpc',
          effect: iam.Effect.DENY,
          actions: compactActions(SAGEMAKER_VPC_CREATE_ACTIONS.filter((a) => a !== MONITORING_SCHEDULE)),
          resources: ['*'],
          conditions: { Null: { 'sagemaker:VpcSubnets': 'true' } },
        }),
        // A schedule either names a job definition (which had to bring its VPC) or defines its own cluster
        // inline (instance types present): then it must bring its VPC too.
        new iam.PolicyStatement({
          sid: 'DenyInlineMonitoringWithoutVpc',
          effect: iam.Effect.DENY,
          actions: [MONITORING_SCHEDULE, 'sagemaker:UpdateMonitoringSchedule'],
          resources: ['*'],
          conditions: { Null: { 'sagemaker:VpcSubnets': 'true', 'sagemaker:InstanceTypes': 'false' } },
        }),
        // Prevents notebooks with direct internet access, or with root: each on its own (SageMaker enables both
        // when a create omits them, so anything but an explicit Disabled is refused).
        ...(['DirectInternetAccess', 'RootAccess'] as const).map(
          (setting) =>
            new iam.PolicyStatement({
              sid: `DenyNotebook${setting}`,
              effect: iam.Effect.DENY,
              actions: ['sagemaker:CreateNotebookInstance'],
              resources: ['*'],
              conditions: { StringNotEquals: { [`sagemaker:${setting}`]: 'Disabled' } },
            }),
        ),
        // An update can turn root on (not internet access); one that leaves it alone carries no key and passes.
        new iam.PolicyStatement({
          sid: 'DenyNotebookRootOnUpdate',
          effect: iam.Effect.DENY,
          actions: ['sagemaker:UpdateNotebookInstance'],
          resources: ['*'],
          conditions: { StringEquals: { 'sagemaker:RootAccess': 'Enabled' } },
        }),
      ],
    });

    const wildcardActions = dataScience.actions.filter((action) => action.includes('*'));
    Validations.of(this.policy).acknowledge(
      ...[
        ...wildcardActions.map((action) => `Action::${action}`),
        'Resource::*',
        `Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/${names.projectPattern}`,
      ].map((finding) => ({
        id: `AwsSolutions-IAM5[${finding}]`,
        reason:
          'Permissions boundary: a ceiling that grants nothing by itself; each project role has a narrow identity policy under it, and the explicit denies here hold whatever those say.',
      })),
    );
  }
}
