/**
 * API calls of the CloudFormation resource types that have no registry handlers (legacy types
 * whose schema lists no `handlers` section), hand-listed from each service's API reference.
 * The launch-role check (launch-roles.ts) treats them exactly like the registry's handler
 * permissions; a legacy type used by a product but missing here is reported, never skipped.
 */

/** CloudFormation handlers the launch role's credentials are used for. */
export type Handler = 'create' | 'read' | 'update' | 'delete';

/** What a call needs to know about the resource it acts for. */
export interface ResourceView {
  readonly logicalId: string;
  readonly type: string;
  /** Properties with intrinsics resolved at the launch values (absent when unset). */
  readonly props: Record<string, unknown>;
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  /** ARN of `id` as an IAM resource type of `service` (from the Service Authorization Reference). */
  arnOf(service: string, resourceType: string, id: string): string;
  /** ARN of a KMS key given as key id, key ARN or alias. */
  keyArn(keyIdOrArn: string): string;
}

/** One API call a handler makes with the launch role's credentials. */
export interface LegacyCall {
  readonly action: string;
  /** Only called when this top-level property is set. */
  readonly onlyWith?: string;
  /** Resources of the request. @default - decided by the check: the resource itself, a referenced one, or "*" */
  readonly resources?: (r: ResourceView) => string[];
  /** Extra request context (e.g. `iam:PassedToService`, `kms:ViaService`). */
  readonly context?: (r: ResourceView) => Record<string, string | string[]>;
}

/** Hand-listed handlers of one legacy type. */
export interface LegacyHandlers {
  /** The API reference pages the calls come from. */
  readonly sources: string[];
  readonly handlers: Record<Handler, LegacyCall[]>;
  /** Tagging calls, when the type takes Tags. */
  readonly taggingPermissions?: string[];
}

const via = (service: string) => (r: ResourceView) => ({
  'kms:ViaService': `${service}.${r.region}.amazonaws.com`,
  'aws:CalledVia': [`${service}.amazonaws.com`],
  'aws:ViaAWSService': 'true',
});
const str = (v: unknown): string => String(v);
const invokeServiceToken: LegacyCall[] = [
  { action: 'lambda:InvokeFunction', onlyWith: 'ServiceToken', resources: (r) => [str(r.props.ServiceToken)] },
];

// SageMaker notebook instances. Calls per operation from the SageMaker API permissions reference:
// CreateNotebookInstance needs iam:PassRole; with a VPC ec2:CreateNetworkInterface,
// ec2:DescribeSecurityGroups/DescribeSubnets/DescribeVpcs; with an encryption key kms:DescribeKey
// and kms:CreateGrant. StartNotebookInstance needs the same plus ec2:DescribeNetworkInterfaces;
// DeleteNotebookInstance needs ec2:DeleteNetworkInterface (VPC) and kms:DescribeKey (key);
// UpdateNotebookInstance needs iam:PassRole.
const NOTEBOOK_SOURCES = [
  'https://docs.aws.amazon.com/sagemaker/latest/dg/api-permissions-reference.html',
  'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateNotebookInstance.html',
  'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeNotebookInstance.html',
  'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateNotebookInstance.html',
  'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StopNotebookInstance.html',
  'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StartNotebookInstance.html',
  'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DeleteNotebookInstance.html',
  'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AddTags.html',
  'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListTags.html',
  'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DeleteTags.html',
];
const passExecutionRole: LegacyCall = {
  action: 'iam:PassRole',
  resources: (r) => [str(r.props.RoleArn)],
  context: () => ({ 'iam:PassedToService': 'sagemaker.amazonaws.com' }),
};
/** "SageMaker creates a network interface in your own VPC" (CreateNotebookInstance API reference). */
const notebookNetwork: LegacyCall[] = [
  {
    action: 'ec2:CreateNetworkInterface',
    onlyWith: 'SubnetId',
    resources: (r) => [
      r.arnOf('ec2', 'network-interface', 'eni-created-by-sagemaker'),
      r.arnOf('ec2', 'subnet', str(r.props.SubnetId)),
      ...((r.props.SecurityGroupIds as string[] | undefined) ?? []).map((sg) => r.arnOf('ec2', 'security-group', sg)),
    ],
  },
  { action: 'ec2:DescribeSecurityGroups', onlyWith: 'SubnetId' },
  { action: 'ec2:DescribeSubnets', onlyWith: 'SubnetId' },
  { action: 'ec2:DescribeVpcs', onlyWith: 'SubnetId' },
];
/**
 * SageMaker condition keys of CreateNotebookInstance / UpdateNotebookInstance (Service Authorization
 * Reference, Amazon SageMaker): the values the request carries, from the properties.
 */
const notebookKeys = (r: ResourceView, update: boolean): Record<string, string | string[]> => {
  const p = r.props;
  const keys: Record<string, string | string[] | undefined> = {
    'sagemaker:InstanceTypes': p.InstanceType as string | undefined,
    'sagemaker:RootAccess': p.RootAccess as string | undefined,
    'sagemaker:MinimumInstanceMetadataServiceVersion': (
      p.InstanceMetadataServiceConfiguration as { MinimumInstanceMetadataServiceVersion?: string } | undefined
    )?.MinimumInstanceMetadataServiceVersion,
    'sagemaker:NotebookInstanceLifecycleConfigArns': p.LifecycleConfigName
      ? r.arnOf('sagemaker', 'notebook-instance-lifecycle-config', str(p.LifecycleConfigName))
      : undefined,
    // UpdateNotebookInstance cannot change these, so the request does not carry them.
    ...(update
      ? {}
      : {
          'sagemaker:DirectInternetAccess': p.DirectInternetAccess as string | undefined,
          'sagemaker:VpcSubnets': p.SubnetId ? [str(p.SubnetId)] : undefined,
          'sagemaker:VpcSecurityGroupIds': p.SecurityGroupIds as string[] | undefined,
          'sagemaker:VolumeKmsKeyArn': p.KmsKeyId ? r.keyArn(str(p.KmsKeyId)) : undefined,
        }),
  };
  return Object.fromEntries(Object.entries(keys).filter((e): e is [string, string | string[]] => e[1] !== undefined));
};
const volumeKey = (r: ResourceView) => [r.keyArn(str(r.props.KmsKeyId))];
/** SageMaker asks KMS for a grant on the volume key for the instance: a grant for an AWS resource, via SageMaker. */
const notebookKey: LegacyCall[] = [
  { action: 'kms:DescribeKey', onlyWith: 'KmsKeyId', resources: volumeKey, context: via('sagemaker') },
  {
    action: 'kms:CreateGrant',
    onlyWith: 'KmsKeyId',
    resources: volumeKey,
    context: (r) => ({ ...via('sagemaker')(r), 'kms:GrantIsForAWSResource': 'true' }),
  },
];

// CodeCommit repositories, from the CodeCommit API reference (CreateRepository, GetRepository,
// UpdateRepositoryName, UpdateRepositoryDescription, UpdateRepositoryEncryptionKey,
// DeleteRepository, TagResource, UntagResource, ListTagsForResource). With a customer managed key,
// "CodeCommit performs the following AWS KMS actions against the AWS KMS key": kms:Encrypt,
// kms:Decrypt, kms:ReEncrypt*, kms:GenerateDataKey, kms:GenerateDataKeyWithoutPlaintext,
// kms:DescribeKey, with the caller's credentials, so via CodeCommit (CodeCommit user guide,
// "AWS Key Management Service and encryption for AWS CodeCommit repositories"). The `Code`
// property makes CloudFormation read the seed archive from S3 with the caller's credentials
// (AWS::CodeCommit::Repository S3 property: Bucket, Key, ObjectVersion).
const REPOSITORY_SOURCES = [
  'https://docs.aws.amazon.com/codecommit/latest/APIReference/API_CreateRepository.html',
  'https://docs.aws.amazon.com/codecommit/latest/APIReference/API_GetRepository.html',
  'https://docs.aws.amazon.com/codecommit/latest/APIReference/API_UpdateRepositoryName.html',
  'https://docs.aws.amazon.com/codecommit/latest/APIReference/API_UpdateRepositoryDescription.html',
  'https://docs.aws.amazon.com/codecommit/latest/APIReference/API_UpdateRepositoryEncryptionKey.html',
  'https://docs.aws.amazon.com/codecommit/latest/APIReference/API_DeleteRepository.html',
  'https://docs.aws.amazon.com/codecommit/latest/APIReference/API_TagResource.html',
  'https://docs.aws.amazon.com/codecommit/latest/userguide/encryption.html',
  'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-codecommit-repository-s3.html',
];
const repositoryKey = (r: ResourceView) => [r.keyArn(str(r.props.KmsKeyId))];
const repositoryKeyCalls: LegacyCall[] = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:DescribeKey',
].map((action) => ({ action, onlyWith: 'KmsKeyId', resources: repositoryKey, context: via('codecommit') }));
const seedArchive: LegacyCall = {
  action: 's3:GetObject',
  onlyWith: 'Code',
  resources: (r) => {
    const s3 = (r.props.Code as { S3?: { Bucket: string; Key: string } } | undefined)?.S3;
    return s3 ? [`arn:${r.partition}:s3:::${s3.Bucket}/${s3.Key}`] : [];
  },
};

// Route 53 record sets, from the Route 53 API reference (ChangeResourceRecordSets, GetChange,
// ListResourceRecordSets; ListHostedZonesByName when the zone is given by name).
const RECORD_SET_SOURCES = [
  'https://docs.aws.amazon.com/Route53/latest/APIReference/API_ChangeResourceRecordSets.html',
  'https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetChange.html',
  'https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListResourceRecordSets.html',
  'https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListHostedZonesByName.html',
];
const zone = (r: ResourceView) => [r.arnOf('route53', 'hostedzone', str(r.props.HostedZoneId))];
const change: LegacyCall = {
  action: 'route53:GetChange',
  resources: (r) => [r.arnOf('route53', 'change', 'C0CHANGEBYCLOUDFORMATION')],
};
const recordChange: LegacyCall[] = [
  { action: 'route53:ChangeResourceRecordSets', onlyWith: 'HostedZoneId', resources: zone },
  { action: 'route53:ListHostedZonesByName', onlyWith: 'HostedZoneName' },
  change,
];

/** Legacy types, keyed by CloudFormation type. */
// AWS Budgets: CreateBudget, UpdateBudget, DeleteBudget and the notification and subscriber calls are all
// authorized as budgets:ModifyBudget; DescribeBudget as budgets:ViewBudget ("Actions, resources, and condition
// keys for AWS Budget Service"; "ModifyBudget ... create and modify budgets"). Tags need budgets:TagResource.
const BUDGET_SOURCES = [
  'https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsbudgetservice.html',
  'https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_CreateBudget.html',
  'https://docs.aws.amazon.com/cost-management/latest/userguide/billing-permissions-ref.html',
];

export const LEGACY_HANDLERS: Record<string, LegacyHandlers> = {
  'AWS::SageMaker::NotebookInstance': {
    sources: NOTEBOOK_SOURCES,
    handlers: {
      create: [
        { action: 'sagemaker:CreateNotebookInstance', context: (r) => notebookKeys(r, false) },
        // Tags given at create are authorized as sagemaker:AddTags on the new instance.
        { action: 'sagemaker:AddTags', onlyWith: 'Tags' },
        passExecutionRole,
        ...notebookNetwork,
        ...notebookKey,
        // CloudFormation waits for InService.
        { action: 'sagemaker:DescribeNotebookInstance' },
      ],
      read: [{ action: 'sagemaker:DescribeNotebookInstance' }, { action: 'sagemaker:ListTags' }],
      update: [
        // An instance is stopped to be updated, and started again.
        { action: 'sagemaker:DescribeNotebookInstance' },
        { action: 'sagemaker:StopNotebookInstance' },
        { action: 'sagemaker:UpdateNotebookInstance', context: (r) => notebookKeys(r, true) },
        passExecutionRole,
        { action: 'sagemaker:StartNotebookInstance' },
        ...notebookNetwork,
        { action: 'ec2:DescribeNetworkInterfaces', onlyWith: 'SubnetId' },
        ...notebookKey,
      ],
      delete: [
        { action: 'sagemaker:DescribeNotebookInstance' },
        { action: 'sagemaker:StopNotebookInstance' },
        { action: 'sagemaker:DeleteNotebookInstance' },
        {
          action: 'ec2:DeleteNetworkInterface',
          onlyWith: 'SubnetId',
          resources: (r) => [r.arnOf('ec2', 'network-interface', 'eni-created-by-sagemaker')],
        },
        { action: 'kms:DescribeKey', onlyWith: 'KmsKeyId', resources: volumeKey, context: via('sagemaker') },
      ],
    },
    taggingPermissions: ['sagemaker:AddTags', 'sagemaker:DeleteTags', 'sagemaker:ListTags'],
  },
  'AWS::SageMaker::NotebookInstanceLifecycleConfig': {
    sources: [
      'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateNotebookInstanceLifecycleConfig.html',
      'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeNotebookInstanceLifecycleConfig.html',
      'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateNotebookInstanceLifecycleConfig.html',
      'https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DeleteNotebookInstanceLifecycleConfig.html',
    ],
    handlers: {
      create: [
        { action: 'sagemaker:CreateNotebookInstanceLifecycleConfig' },
        { action: 'sagemaker:DescribeNotebookInstanceLifecycleConfig' },
      ],
      read: [{ action: 'sagemaker:DescribeNotebookInstanceLifecycleConfig' }],
      update: [
        { action: 'sagemaker:UpdateNotebookInstanceLifecycleConfig' },
        { action: 'sagemaker:DescribeNotebookInstanceLifecycleConfig' },
      ],
      delete: [{ action: 'sagemaker:DeleteNotebookInstanceLifecycleConfig' }],
    },
  },
  'AWS::CodeCommit::Repository': {
    sources: REPOSITORY_SOURCES,
    handlers: {
      create: [
        { action: 'codecommit:CreateRepository' },
        { action: 'codecommit:TagResource', onlyWith: 'Tags' },
        { action: 'codecommit:GetRepository' },
        ...repositoryKeyCalls,
        seedArchive,
      ],
      read: [{ action: 'codecommit:GetRepository' }, { action: 'codecommit:ListTagsForResource' }],
      update: [
        { action: 'codecommit:GetRepository' },
        { action: 'codecommit:UpdateRepositoryName' },
        { action: 'codecommit:UpdateRepositoryDescription' },
        { action: 'codecommit:UpdateRepositoryEncryptionKey', onlyWith: 'KmsKeyId' },
        ...repositoryKeyCalls,
      ],
      delete: [{ action: 'codecommit:DeleteRepository' }],
    },
    taggingPermissions: ['codecommit:TagResource', 'codecommit:UntagResource', 'codecommit:ListTagsForResource'],
  },
  'AWS::Budgets::Budget': {
    sources: BUDGET_SOURCES,
    handlers: {
      create: [
        { action: 'budgets:ModifyBudget' },
        { action: 'budgets:TagResource', onlyWith: 'ResourceTags' },
        { action: 'budgets:ViewBudget' },
      ],
      read: [{ action: 'budgets:ViewBudget' }, { action: 'budgets:ListTagsForResource' }],
      update: [{ action: 'budgets:ModifyBudget' }, { action: 'budgets:ViewBudget' }],
      delete: [{ action: 'budgets:ModifyBudget' }],
    },
    taggingPermissions: ['budgets:TagResource', 'budgets:UntagResource', 'budgets:ListTagsForResource'],
  },
  'AWS::Route53::RecordSet': {
    sources: RECORD_SET_SOURCES,
    handlers: {
      create: [
        ...recordChange,
        { action: 'route53:ListResourceRecordSets', onlyWith: 'HostedZoneId', resources: zone },
      ],
      read: [{ action: 'route53:ListResourceRecordSets', onlyWith: 'HostedZoneId', resources: zone }],
      update: recordChange,
      delete: recordChange,
    },
  },
  // A Lambda-backed custom resource: CloudFormation invokes the function named by ServiceToken with the launch
  // role's credentials on create, update and delete (the function acts with its own role).
  'Custom::StudioCleanup': {
    sources: ['https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-custom-resources-lambda.html'],
    handlers: { create: invokeServiceToken, read: [], update: invokeServiceToken, delete: invokeServiceToken },
  },
};
