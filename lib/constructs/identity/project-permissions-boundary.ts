import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { Names, TAG_KEYS } from '../../config/names';
import { INTERNET_PATH_ACTIONS } from './catalog-statements';
import { accountArn, iamArn } from '../../config/arns';

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

/** Studio domains are created and changed only by a project environment launch, never by a project role. */
export const STUDIO_DOMAIN_ACTIONS = ['sagemaker:CreateDomain', 'sagemaker:UpdateDomain', 'sagemaker:DeleteDomain'];

/** Calls on Studio spaces and their apps that carry the owning profile (`sagemaker:OwnerUserProfileArn`). */
export const STUDIO_SPACE_ACTIONS = [
  'sagemaker:CreateSpace',
  'sagemaker:UpdateSpace',
  'sagemaker:DeleteSpace',
  'sagemaker:CreateApp',
  'sagemaker:DeleteApp',
];

/** A schedule may name a job definition (which brought the network and keys) instead of carrying them. */
export const MONITORING_SCHEDULE = 'sagemaker:CreateMonitoringSchedule';

/**
 * Wildcards that name exactly these actions today (a test checks each against the Service Authorization
 * Reference, so a new action matching one fails the build before it is granted or denied unseen): the
 * boundary lists them compactly, to stay within IAM's size quota.
 */
export const EXACT_ACTION_GROUPS: Record<string, readonly string[]> = {
  'sagemaker:Create*JobDefinition': [
    'sagemaker:CreateDataQualityJobDefinition',
    'sagemaker:CreateModelBiasJobDefinition',
    'sagemaker:CreateModelExplainabilityJobDefinition',
    'sagemaker:CreateModelQualityJobDefinition',
  ],
  'sagemaker:CreateAutoMLJob*': ['sagemaker:CreateAutoMLJob', 'sagemaker:CreateAutoMLJobV2'],
  'cloudformation:*Stack': [
    'cloudformation:CancelUpdateStack',
    'cloudformation:CreateStack',
    'cloudformation:DeleteStack',
    'cloudformation:RollbackStack',
    'cloudformation:UpdateStack',
  ],
  'cloudformation:*TagResource': ['cloudformation:TagResource', 'cloudformation:UntagResource'],
  'servicecatalog:*ssociatePrincipal*': [
    'servicecatalog:AssociatePrincipalWithPortfolio',
    'servicecatalog:DisassociatePrincipalFromPortfolio',
  ],
  'kms:*crypt*': ['kms:Decrypt', 'kms:Encrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
  'iam:*RolePolicy': [
    'iam:AttachRolePolicy',
    'iam:DeleteRolePolicy',
    'iam:DetachRolePolicy',
    'iam:GetRolePolicy',
    'iam:PutRolePolicy',
    'iam:UpdateAssumeRolePolicy',
  ],
  'iam:*PolicyVersion': [
    'iam:CreatePolicyVersion',
    'iam:DeletePolicyVersion',
    'iam:GetPolicyVersion',
    'iam:SetDefaultPolicyVersion',
  ],
  'ec2:*InternetGateway': [
    'ec2:AttachInternetGateway',
    'ec2:CreateEgressOnlyInternetGateway',
    'ec2:CreateInternetGateway',
    'ec2:DeleteEgressOnlyInternetGateway',
    'ec2:DeleteInternetGateway',
    'ec2:DetachInternetGateway',
  ],
};

/** `actions` with every complete group replaced by its wildcard. */
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
      sid: 'DataScience',
      actions: compactActions([
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
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
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
        // Cancelling or rolling back a failed update of a project launch's own stack.
        'cloudformation:CancelUpdateStack',
        'cloudformation:RollbackStack',
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
        // (sts:GetCallerIdentity needs no permission at all.)
        'tag:GetResources',
        'iam:GetRole*',
        'iam:ListRole*',
        'iam:ListAttachedRolePolicies',
      ]),
      resources: ['*'],
    });

    const manageRoles = new iam.PolicyStatement({
      sid: 'ProjectRoles',
      actions: compactActions([
        'iam:DeleteRole',
        'iam:UpdateRole',
        'iam:UpdateRoleDescription',
        'iam:UpdateAssumeRolePolicy',
        'iam:AttachRolePolicy',
        'iam:DetachRolePolicy',
        'iam:TagRole',
        'iam:UntagRole',
        'iam:PutRolePolicy',
        'iam:GetRolePolicy',
        'iam:DeleteRolePolicy',
        'iam:PassRole',
        // A project admin acts on the project's launches as its user role (that role's trust names the admin).
        'sts:AssumeRole',
        'sts:TagSession',
      ]),
      resources: [projectRoles],
    });

    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      managedPolicyName: names.projectBoundaryPolicy,
      description: 'Ceiling of every role created for a data science project',
      statements: [
        dataScience,
        // Roles a project creates (notebook execution roles) must carry this same boundary.
        new iam.PolicyStatement({
          sid: 'BoundedRoles',
          actions: ['iam:CreateRole', 'iam:PutRolePermissionsBoundary'],
          resources: [projectRoles],
          conditions: {
            StringEquals: { 'iam:PermissionsBoundary': boundaryArn },
          },
        }),
        manageRoles,
        // Unconditional denies, in one statement to stay within IAM's size quota: no removing or rewriting the ceiling,
        // no minting policies or attaching them to users and groups, no path to the internet from a project network,
        // and no Studio domains (a project's one VpcOnly domain comes from its environment launch, which is not bounded).
        new iam.PolicyStatement({
          sid: 'DenyEscapes',
          effect: iam.Effect.DENY,
          actions: compactActions([
            'iam:DeleteRolePermissionsBoundary',
            'iam:CreatePolicyVersion',
            'iam:DeletePolicy',
            'iam:DeletePolicyVersion',
            'iam:SetDefaultPolicyVersion',
            'iam:GetPolicyVersion',
            'iam:AttachUserPolicy',
            'iam:AttachGroupPolicy',
            'iam:CreatePolicy',
            ...INTERNET_PATH_ACTIONS,
            'ec2:DeleteInternetGateway',
            'ec2:DeleteEgressOnlyInternetGateway',
            'ec2:DetachInternetGateway',
            'ec2:AcceptVpcPeeringConnection',
            'ec2:AssociateAddress',
            ...STUDIO_DOMAIN_ACTIONS,
          ]),
          resources: ['*'],
        }),
        // Attaching is allowed only for the project policies a project environment created (never
        // AdministratorAccess, nor this boundary as a grant): a notebook role gets its project's policies.
        new iam.PolicyStatement({
          sid: 'DenyPolicies',
          effect: iam.Effect.DENY,
          actions: ['iam:AttachRolePolicy'],
          resources: ['*'],
          conditions: { ArnNotLike: { 'iam:PolicyARN': projectPolicies } },
        }),
        // A Studio profile opens only for the one person it names: its owner tag is that person's aws:userid (the
        // project user role's id and their sign-in name). A profile without the tag opens for no one.
        new iam.PolicyStatement({
          sid: 'DenyOthersStudio',
          effect: iam.Effect.DENY,
          actions: ['sagemaker:CreatePresignedDomainUrl'],
          resources: ['*'],
          conditions: { StringNotEquals: { [`aws:ResourceTag/${TAG_KEYS.ownerPrincipal}`]: '${aws:userid}' } },
        }),
        // Spaces and their apps belong to one profile: the caller's own, in its own project's domain (both are tags
        // of the Studio execution role). Apps outside a space have no owner and are refused, and so is a role without
        // the tags (people, notebooks): the defaults name no domain. (Shared spaces, owned too, are refused by the
        // Studio role's own policy, which allows private ones only: they stay within the project either way.)
        new iam.PolicyStatement({
          sid: 'DenyOthersSpaces',
          effect: iam.Effect.DENY,
          actions: STUDIO_SPACE_ACTIONS,
          resources: ['*'],
          conditions: {
            ArnNotLike: {
              'sagemaker:OwnerUserProfileArn': `arn:*:sagemaker:*:*:user-profile/\${aws:PrincipalTag/${TAG_KEYS.studioDomainId}, '-'}/\${aws:PrincipalTag/${TAG_KEYS.ownerUserName}, '-'}`,
            },
          },
        }),
        // Launch roles run the platform's Studio cleanup when a Studio launch ends; no other function is invoked
        // (a pipeline's Lambda step would run code outside the project network).
        new iam.PolicyStatement({
          sid: 'StudioCleanup',
          actions: ['lambda:InvokeFunction'],
          resources: [accountArn('lambda', `function:${names.studioCleanupFunction}`)],
        }),
        // Prevents SageMaker workloads outside a VPC, whoever the caller in the project.
        new iam.PolicyStatement({
          sid: 'DenyNoVpc',
          effect: iam.Effect.DENY,
          actions: compactActions(SAGEMAKER_VPC_CREATE_ACTIONS.filter((a) => a !== MONITORING_SCHEDULE)),
          resources: ['*'],
          conditions: { Null: { 'sagemaker:VpcSubnets': 'true' } },
        }),
        // A schedule either names a job definition (which had to bring its VPC) or defines its own cluster
        // inline (instance types present): then it must bring its VPC too.
        new iam.PolicyStatement({
          sid: 'DenyMonitorNoVpc',
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
              sid: `Deny${setting}`,
              effect: iam.Effect.DENY,
              actions: ['sagemaker:CreateNotebookInstance'],
              resources: ['*'],
              conditions: { StringNotEquals: { [`sagemaker:${setting}`]: 'Disabled' } },
            }),
        ),
        // An update can turn root on (not internet access); one that leaves it alone carries no key and passes.
        new iam.PolicyStatement({
          sid: 'DenyRootOnUpdate',
          effect: iam.Effect.DENY,
          actions: ['sagemaker:UpdateNotebookInstance'],
          resources: ['*'],
          conditions: { StringEquals: { 'sagemaker:RootAccess': 'Enabled' } },
        }),
      ],
    });

    const wildcardActions: string[] = [dataScience, manageRoles]
      .flatMap((statement) => statement.actions)
      .filter((action) => action.includes('*'));
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
