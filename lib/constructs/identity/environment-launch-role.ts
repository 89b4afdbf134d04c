import { Aws, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { Names, TAG_KEYS, VENDED_LOGS_PREFIX } from '../../config/names';
import { INTERNET_PATH_ACTIONS, launchRoleStatements } from './catalog-statements';
import { accountArn, iamArn, s3Arn } from '../../config/arns';

/** Props of {@link EnvironmentLaunchRole}. */
export interface EnvironmentLaunchRoleProps {
  readonly names: Names;
  /** Boundary every role the product creates must carry. */
  readonly projectBoundary: iam.IManagedPolicy;
}

/**
 * Service Catalog launch role of the Project Environment product: CloudFormation acts with it
 * to create one project's network, keys, buckets, repository, roles and portfolio. Only Service
 * Catalog can assume it, and wherever an ARN carries a name it is limited to the project
 * namespace of this deployment (never the admin layer's own resources); roles it creates must
 * carry the project boundary, and it cannot delete keys.
 */
export class EnvironmentLaunchRole extends Construct {
  readonly role: iam.Role;
  /** Its managed policies, one per concern. */
  readonly policies: iam.ManagedPolicy[];

  constructor(scope: Construct, id: string, props: EnvironmentLaunchRoleProps) {
    super(scope, id);
    const { names } = props;
    const prefixed = names.projectPattern;
    const arn = (service: string, resource: string) => accountArn(service, resource);

    this.role = new iam.Role(this, 'Role', {
      roleName: names.environmentLaunchRole,
      description: 'Service Catalog launch role: provisions Data Science Project Environments',
      assumedBy: new iam.ServicePrincipal('servicecatalog.amazonaws.com'),
    });

    const statements: iam.PolicyStatement[] = [
      ...launchRoleStatements(),
      // Roles a project gets must carry the project boundary, so nothing they do exceeds it.
      new iam.PolicyStatement({
        sid: 'CreateBoundedRoles',
        actions: ['iam:CreateRole', 'iam:PutRolePermissionsBoundary'],
        resources: [iamArn(`role/${prefixed}`)],
        conditions: {
          StringEquals: {
            'iam:PermissionsBoundary': props.projectBoundary.managedPolicyArn,
          },
        },
      }),
      new iam.PolicyStatement({
        sid: 'ManageProjectRoles',
        actions: [
          'iam:GetRole',
          'iam:DeleteRole',
          'iam:UpdateRole',
          'iam:UpdateRoleDescription',
          'iam:UpdateAssumeRolePolicy',
          'iam:TagRole',
          'iam:UntagRole',
          'iam:ListRoleTags',
          'iam:GetRolePolicy',
          'iam:PutRolePolicy',
          'iam:DeleteRolePolicy',
          'iam:ListRolePolicies',
          'iam:ListAttachedRolePolicies',
        ],
        resources: [iamArn(`role/${prefixed}`)],
      }),
      // Only this deployment's own managed policies can be attached: never AdministratorAccess and the like.
      new iam.PolicyStatement({
        sid: 'AttachOwnPolicies',
        actions: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
        resources: [iamArn(`role/${prefixed}`)],
        conditions: {
          ArnLike: { 'iam:PolicyARN': iamArn(`policy/${prefixed}`) },
        },
      }),
      new iam.PolicyStatement({
        sid: 'ManageProjectPolicies',
        actions: [
          'iam:CreatePolicy',
          'iam:DeletePolicy',
          'iam:GetPolicy',
          'iam:GetPolicyVersion',
          'iam:ListPolicyVersions',
          'iam:CreatePolicyVersion',
          'iam:DeletePolicyVersion',
          'iam:TagPolicy',
          'iam:UntagPolicy',
          'iam:ListEntitiesForPolicy',
        ],
        resources: [iamArn(`policy/${prefixed}`)],
      }),
      // The boundary itself is the platform team's: never rewritten by a launch.
      new iam.PolicyStatement({
        sid: 'DenyBoundaryChanges',
        effect: iam.Effect.DENY,
        actions: [
          'iam:CreatePolicyVersion',
          'iam:DeletePolicy',
          'iam:DeletePolicyVersion',
          'iam:SetDefaultPolicyVersion',
        ],
        resources: [props.projectBoundary.managedPolicyArn],
      }),
      new iam.PolicyStatement({
        sid: 'DenyBoundaryRemoval',
        effect: iam.Effect.DENY,
        actions: ['iam:DeleteRolePermissionsBoundary'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'PassProjectRoles',
        actions: ['iam:PassRole'],
        resources: [iamArn(`role/${prefixed}`)],
        conditions: {
          StringEquals: {
            'iam:PassedToService': [
              'servicecatalog.amazonaws.com',
              'vpc-flow-logs.amazonaws.com',
              'sagemaker.amazonaws.com',
              'budgets.amazonaws.com',
            ],
          },
        },
      }),
      // Project portfolio, notebook product and their constraints; catalog ids are random, so no name scoping.
      new iam.PolicyStatement({
        sid: 'ProjectPortfolio',
        actions: [
          'servicecatalog:CreatePortfolio',
          'servicecatalog:UpdatePortfolio',
          'servicecatalog:DeletePortfolio',
          'servicecatalog:DescribePortfolio',
          'servicecatalog:AssociatePrincipalWithPortfolio',
          'servicecatalog:DisassociatePrincipalFromPortfolio',
          'servicecatalog:ListPrincipalsForPortfolio',
          'servicecatalog:CreateProduct',
          'servicecatalog:UpdateProduct',
          'servicecatalog:DeleteProduct',
          'servicecatalog:DescribeProductAsAdmin',
          'servicecatalog:ListPortfoliosForProduct',
          'servicecatalog:CreateProvisioningArtifact',
          'servicecatalog:DescribeProvisioningArtifact',
          'servicecatalog:ListProvisioningArtifacts',
          'servicecatalog:DeleteProvisioningArtifact',
          'servicecatalog:UpdateProvisioningArtifact',
          'servicecatalog:CreateConstraint',
        ],
        resources: [arn('catalog', 'portfolio/*'), arn('catalog', 'product/*')],
      }),
      new iam.PolicyStatement({
        sid: 'ProjectPortfolioLinks',
        actions: [
          'servicecatalog:AssociateProductWithPortfolio',
          'servicecatalog:DisassociateProductFromPortfolio',
          'servicecatalog:DescribeConstraint',
          'servicecatalog:UpdateConstraint',
          'servicecatalog:DeleteConstraint',
          'servicecatalog:TagResource',
          'servicecatalog:UntagResource',
          'servicecatalog:ListTagsForResource',
          'servicecatalog:ListServiceActionsForProvisioningArtifact',
          'servicecatalog:DisassociateServiceActionFromProvisioningArtifact',
        ],
        resources: ['*'],
      }),
      // Keys: created tagged for this deployment. Once created, each project key's own policy lets this role manage
      // it, so nothing here reaches keys a project did not create (a tag could be put on any key).
      new iam.PolicyStatement({
        sid: 'CreateTaggedKeys',
        actions: ['kms:CreateKey'],
        resources: ['*'],
        conditions: {
          StringEquals: { [`aws:RequestTag/${TAG_KEYS.system}`]: names.prefix },
        },
      }),
      // CreateKey with tags also authorizes kms:TagResource, before the key has any tag to condition on.
      new iam.PolicyStatement({
        sid: 'TagKeysAtCreate',
        actions: ['kms:TagResource'],
        resources: [arn('kms', 'key/*')],
        conditions: {
          StringEquals: { [`aws:RequestTag/${TAG_KEYS.system}`]: names.prefix },
          'ForAllValues:StringEquals': { 'aws:TagKeys': Object.values(TAG_KEYS) },
        },
      }),
      new iam.PolicyStatement({
        sid: 'ProjectKeyAliases',
        actions: ['kms:CreateAlias', 'kms:UpdateAlias', 'kms:DeleteAlias'],
        resources: [arn('kms', `alias/${prefixed}`)],
      }),
      new iam.PolicyStatement({
        sid: 'ListKeyAliases',
        actions: ['kms:ListAliases'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'ProjectBuckets',
        actions: [
          's3:CreateBucket',
          's3:DeleteBucket',
          's3:ListBucket',
          's3:GetBucketLocation',
          's3:GetBucketPolicy',
          's3:PutBucketPolicy',
          's3:DeleteBucketPolicy',
          's3:GetBucketTagging',
          's3:PutBucketTagging',
          's3:GetBucketVersioning',
          's3:PutBucketVersioning',
          's3:GetEncryptionConfiguration',
          's3:PutEncryptionConfiguration',
          's3:GetBucketPublicAccessBlock',
          's3:PutBucketPublicAccessBlock',
          's3:GetBucketOwnershipControls',
          's3:PutBucketOwnershipControls',
          's3:GetBucketLogging',
          's3:PutBucketLogging',
          's3:GetLifecycleConfiguration',
          's3:PutLifecycleConfiguration',
          's3:GetBucketAcl',
          's3:GetBucketObjectLockConfiguration',
          's3:PutBucketObjectLockConfiguration',
          's3:GetBucketNotification',
          's3:PutBucketNotification',
          // The read handler reads every optional bucket configuration; bucket-level only (no object ARNs here).
          's3:GetBucket*',
          's3:Get*Configuration',
          's3:ListTagsForResource',
          's3:TagResource',
          's3:UntagResource',
        ],
        resources: [s3Arn(`${prefixed}`)],
      }),
      new iam.PolicyStatement({
        sid: 'ProjectParameters',
        actions: [
          'ssm:PutParameter',
          'ssm:DeleteParameter',
          'ssm:GetParameter',
          'ssm:GetParameters',
          'ssm:AddTagsToResource',
          'ssm:RemoveTagsFromResource',
          'ssm:ListTagsForResource',
        ],
        resources: [arn('ssm', `parameter/${names.projectPath}`)],
      }),
      // Launch-time settings published by the shared-services stack (mirror, S3 prefix list).
      new iam.PolicyStatement({
        sid: 'ReadSharedParameters',
        actions: ['ssm:GetParameter', 'ssm:GetParameters'],
        resources: [arn('ssm', `parameter/${names.sharedParameterPath}`)],
      }),
      new iam.PolicyStatement({
        sid: 'DescribeParameters',
        actions: ['ssm:DescribeParameters'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'ProjectLogGroups',
        actions: [
          'logs:CreateLogGroup',
          'logs:DeleteLogGroup',
          'logs:PutRetentionPolicy',
          'logs:DeleteRetentionPolicy',
          'logs:AssociateKmsKey',
          'logs:DisassociateKmsKey',
          'logs:TagResource',
          'logs:UntagResource',
          'logs:ListTagsForResource',
          'logs:TagLogGroup',
          'logs:GetDataProtectionPolicy',
        ],
        // Project log groups, and the DNS query logs under the vended-logs prefix (see ProjectDnsFirewall).
        resources: [
          arn('logs', `log-group:/${names.projectPath}`),
          arn('logs', `log-group:${VENDED_LOGS_PREFIX}/${names.projectPath}`),
        ],
      }),
      // CreateGroup has no resource type; the group's name is still the project's.
      new iam.PolicyStatement({
        sid: 'CreateResourceGroups',
        actions: ['resource-groups:CreateGroup'],
        resources: ['*'],
        conditions: { StringEquals: { [`aws:RequestTag/${TAG_KEYS.system}`]: names.prefix } },
      }),
      new iam.PolicyStatement({
        sid: 'DescribeLogGroups',
        actions: ['logs:DescribeLogGroups', 'logs:DescribeResourcePolicies', 'logs:DescribeIndexPolicies'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'ProjectRepository',
        actions: [
          'codecommit:CreateRepository',
          'codecommit:DeleteRepository',
          'codecommit:GetRepository',
          'codecommit:UpdateRepositoryDescription',
          'codecommit:UpdateRepositoryName',
          'codecommit:UpdateRepositoryEncryptionKey',
          'codecommit:TagResource',
          'codecommit:UntagResource',
          'codecommit:ListTagsForResource',
        ],
        resources: [arn('codecommit', prefixed)],
      }),
      new iam.PolicyStatement({
        sid: 'ProjectImageRepository',
        actions: [
          'ecr:CreateRepository',
          'ecr:DeleteRepository',
          'ecr:DescribeRepositories',
          'ecr:PutLifecyclePolicy',
          'ecr:GetLifecyclePolicy',
          'ecr:DeleteLifecyclePolicy',
          'ecr:PutImageScanningConfiguration',
          'ecr:PutImageTagMutability',
          'ecr:GetRepositoryPolicy',
          'ecr:TagResource',
          'ecr:UntagResource',
          'ecr:ListTagsForResource',
        ],
        resources: [arn('ecr', `repository/${prefixed}`)],
      }),
      new iam.PolicyStatement({
        sid: 'ProjectLifecycleConfig',
        actions: [
          'sagemaker:CreateNotebookInstanceLifecycleConfig',
          'sagemaker:UpdateNotebookInstanceLifecycleConfig',
          'sagemaker:DeleteNotebookInstanceLifecycleConfig',
          'sagemaker:DescribeNotebookInstanceLifecycleConfig',
          'sagemaker:AddTags',
          'sagemaker:DeleteTags',
          'sagemaker:ListTags',
        ],
        resources: [arn('sagemaker', `notebook-instance-lifecycle-config/${prefixed}`)],
      }),
      new iam.PolicyStatement({
        sid: 'ProjectResourceGroup',
        actions: [
          'resource-groups:UpdateGroup',
          'resource-groups:UpdateGroupQuery',
          'resource-groups:DeleteGroup',
          'resource-groups:GetGroup',
          'resource-groups:GetGroupQuery',
          'resource-groups:GetGroupConfiguration',
          'resource-groups:ListGroupResources',
          'resource-groups:GetTags',
          'resource-groups:Tag',
          'resource-groups:Untag',
        ],
        resources: [arn('resource-groups', `group/${prefixed}`)],
      }),
      // The project's budget, its stop action and its alert topic.
      new iam.PolicyStatement({
        sid: 'ProjectBudgets',
        actions: [
          'budgets:ModifyBudget',
          'budgets:ViewBudget',
          'budgets:TagResource',
          'budgets:UntagResource',
          'budgets:ListTagsForResource',
        ],
        resources: [accountArn('budgets', `budget/${prefixed}`, 'global')],
      }),
      new iam.PolicyStatement({
        sid: 'ProjectBudgetActions',
        actions: [
          'budgets:CreateBudgetAction',
          'budgets:UpdateBudgetAction',
          'budgets:DeleteBudgetAction',
          'budgets:DescribeBudgetAction',
          'budgets:TagResource',
          'budgets:UntagResource',
          'budgets:ListTagsForResource',
        ],
        resources: [accountArn('budgets', `budget/${prefixed}/action/*`, 'global')],
      }),
      new iam.PolicyStatement({
        sid: 'ProjectTopics',
        actions: [
          'sns:CreateTopic',
          'sns:DeleteTopic',
          'sns:GetTopicAttributes',
          'sns:SetTopicAttributes',
          'sns:GetDataProtectionPolicy',
          'sns:ListSubscriptionsByTopic',
          'sns:Subscribe',
          'sns:Unsubscribe',
          'sns:GetSubscriptionAttributes',
          'sns:SetSubscriptionAttributes',
          'sns:TagResource',
          'sns:UntagResource',
          'sns:ListTagsForResource',
        ],
        resources: [arn('sns', prefixed)],
      }),
      // Project network: EC2 ids are generated, so these act on '*'; the boundary-free launch role is only usable by Service Catalog for this fixed template.
      new iam.PolicyStatement({
        sid: 'ProjectNetwork',
        actions: [
          'ec2:CreateVpc',
          'ec2:DeleteVpc',
          'ec2:ModifyVpcAttribute',
          'ec2:CreateSubnet',
          'ec2:DeleteSubnet',
          'ec2:CreateRouteTable',
          'ec2:DeleteRouteTable',
          'ec2:AssociateRouteTable',
          'ec2:DisassociateRouteTable',
          'ec2:CreateSecurityGroup',
          'ec2:DeleteSecurityGroup',
          'ec2:AuthorizeSecurityGroupIngress',
          'ec2:AuthorizeSecurityGroupEgress',
          'ec2:RevokeSecurityGroupIngress',
          'ec2:RevokeSecurityGroupEgress',
          'ec2:CreateVpcEndpoint',
          'ec2:ModifyVpcEndpoint',
          'ec2:DeleteVpcEndpoints',
          'ec2:CreateFlowLogs',
          'ec2:DeleteFlowLogs',
          'ec2:CreateTags',
          'ec2:DeleteTags',
          'ec2:ModifySubnetAttribute',
          'ec2:ReplaceRouteTableAssociation',
          'ec2:UpdateSecurityGroupRuleDescriptionsIngress',
          'ec2:UpdateSecurityGroupRuleDescriptionsEgress',
          // CloudFormation's read handlers describe VPCs, subnets, ACLs, endpoints, flow logs and instances.
          'ec2:Describe*',
          'autoscaling:DescribeTags',
          'route53:AssociateVPCWithHostedZone',
        ],
        resources: ['*'],
      }),
      // With TLS on the mirror, a private zone maps its name to the mirror endpoint inside the project VPC.
      new iam.PolicyStatement({
        sid: 'MirrorPrivateZone',
        actions: [
          'route53:CreateHostedZone',
          'route53:DeleteHostedZone',
          'route53:GetHostedZone',
          'route53:ChangeResourceRecordSets',
          'route53:ListResourceRecordSets',
          'route53:GetChange',
          'route53:ChangeTagsForResource',
          'route53:ListTagsForResource',
          'route53:ListHostedZonesByName',
          'route53:ListQueryLoggingConfigs',
          'route53:UpdateHostedZoneComment',
          'route53:UpdateHostedZoneFeatures',
          'route53:DisassociateVPCFromHostedZone',
        ],
        resources: ['*'],
      }),
      // DNS Firewall and query logging of the project VPC: Resolver ids are generated, so these act on '*'.
      new iam.PolicyStatement({
        sid: 'ProjectDnsFirewall',
        actions: [
          'route53resolver:CreateFirewallDomainList',
          'route53resolver:DeleteFirewallDomainList',
          'route53resolver:GetFirewallDomainList',
          'route53resolver:ImportFirewallDomains',
          'route53resolver:UpdateFirewallDomains',
          'route53resolver:CreateFirewallRuleGroup',
          'route53resolver:DeleteFirewallRuleGroup',
          'route53resolver:GetFirewallRuleGroup',
          'route53resolver:CreateFirewallRule',
          'route53resolver:DeleteFirewallRule',
          'route53resolver:UpdateFirewallRule',
          'route53resolver:ListFirewallRules',
          'route53resolver:AssociateFirewallRuleGroup',
          'route53resolver:DisassociateFirewallRuleGroup',
          'route53resolver:GetFirewallRuleGroupAssociation',
          'route53resolver:UpdateFirewallRuleGroupAssociation',
          'route53resolver:CreateResolverQueryLogConfig',
          'route53resolver:DeleteResolverQueryLogConfig',
          'route53resolver:GetResolverQueryLogConfig',
          'route53resolver:ListResolverQueryLogConfigs',
          'route53resolver:AssociateResolverQueryLogConfig',
          'route53resolver:DisassociateResolverQueryLogConfig',
          'route53resolver:GetResolverQueryLogConfigAssociation',
          'route53resolver:ListResolverQueryLogConfigAssociations',
          'route53resolver:TagResource',
          'route53resolver:UntagResource',
          'route53resolver:ListTagsForResource',
        ],
        resources: ['*'],
      }),
      // Resolver delivers query logs with its service-linked role, created by the first launch in the account (the ARN names it).
      new iam.PolicyStatement({
        sid: 'ResolverServiceLinkedRole',
        actions: ['iam:CreateServiceLinkedRole'],
        resources: [iamArn('role/aws-service-role/route53resolver.amazonaws.com/AWSServiceRoleForRoute53Resolver')],
      }),
      // Query logs reach CloudWatch Logs through a log delivery, which keeps the account's vended-logs resource policy.
      new iam.PolicyStatement({
        sid: 'DnsQueryLogDelivery',
        actions: [
          'logs:CreateLogDelivery',
          'logs:GetLogDelivery',
          'logs:UpdateLogDelivery',
          'logs:DeleteLogDelivery',
          'logs:ListLogDeliveries',
          'logs:PutResourcePolicy',
        ],
        resources: ['*'],
      }),
      // Studio (when a launch enables it): the project's one domain, VpcOnly, tagged as this platform's.
      new iam.PolicyStatement({
        sid: 'CreateVpcOnlyDomains',
        actions: ['sagemaker:CreateDomain'],
        resources: [arn('sagemaker', 'domain/*')],
        conditions: {
          StringEquals: {
            [`aws:RequestTag/${TAG_KEYS.system}`]: names.prefix,
            'sagemaker:AppNetworkAccessType': 'VpcOnly',
          },
        },
      }),
      new iam.PolicyStatement({
        sid: 'TagNewDomains',
        actions: ['sagemaker:AddTags'],
        resources: [arn('sagemaker', 'domain/*')],
        conditions: { StringEquals: { [`aws:RequestTag/${TAG_KEYS.system}`]: names.prefix } },
      }),
      new iam.PolicyStatement({
        sid: 'ManageProjectDomains',
        actions: ['sagemaker:UpdateDomain', 'sagemaker:DeleteDomain', 'sagemaker:AddTags'],
        resources: [arn('sagemaker', 'domain/*')],
        conditions: { StringEquals: { [`aws:ResourceTag/${TAG_KEYS.system}`]: names.prefix } },
      }),
      // The create handler reads the new domain and reconciles its tags before the tags are visible to IAM.
      new iam.PolicyStatement({
        sid: 'ReadDomains',
        actions: [
          'sagemaker:DescribeDomain',
          'sagemaker:ListTags',
          'sagemaker:DeleteTags',
          'sagemaker:DescribeUserProfile',
        ],
        resources: [arn('sagemaker', 'domain/*'), arn('sagemaker', 'user-profile/*')],
      }),
      new iam.PolicyStatement({
        sid: 'ProjectStudioLifecycleConfigs',
        actions: [
          'sagemaker:CreateStudioLifecycleConfig',
          'sagemaker:DescribeStudioLifecycleConfig',
          'sagemaker:DeleteStudioLifecycleConfig',
          'sagemaker:AddTags',
          'sagemaker:DeleteTags',
          'sagemaker:ListTags',
        ],
        resources: [arn('sagemaker', `studio-lifecycle-config/${prefixed}`)],
      }),
      // SageMaker creates the domain's home file system with the caller's credentials; ids are generated.
      new iam.PolicyStatement({
        sid: 'StudioHomeVolumes',
        actions: [
          'elasticfilesystem:DescribeMountTargets',
          'elasticfilesystem:TagResource',
          'elasticfilesystem:DeleteMountTarget',
          'elasticfilesystem:DeleteFileSystem',
        ],
        resources: [arn('elasticfilesystem', 'file-system/*')],
      }),
      new iam.PolicyStatement({
        sid: 'NewStudioHomeVolumes',
        actions: ['elasticfilesystem:CreateFileSystem'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'StudioServiceLinkedRole',
        actions: ['iam:CreateServiceLinkedRole'],
        resources: [iamArn('role/aws-service-role/sagemaker.amazonaws.com/*')],
      }),
      // The home volume is encrypted with the project key: SageMaker uses it for the caller (never for another key).
      new iam.PolicyStatement({
        sid: 'ProjectKeysForStudio',
        actions: ['kms:CreateGrant', 'kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlainText'],
        resources: [arn('kms', 'key/*')],
        conditions: {
          StringEquals: {
            [`aws:ResourceTag/${TAG_KEYS.system}`]: names.prefix,
            // SageMaker for app storage; EFS for the home volume it creates with the caller's credentials.
            'kms:ViaService': [
              `sagemaker.${Aws.REGION}.amazonaws.com`,
              `elasticfilesystem.${Aws.REGION}.amazonaws.com`,
            ],
          },
        },
      }),
      new iam.PolicyStatement({
        sid: 'CleanUpStudio',
        actions: ['lambda:InvokeFunction'],
        resources: [arn('lambda', `function:${names.studioCleanupFunction}`)],
      }),
      new iam.PolicyStatement({
        sid: 'NoInternetPaths',
        effect: iam.Effect.DENY,
        actions: INTERNET_PATH_ACTIONS,
        resources: ['*'],
      }),
    ];
    // One managed policy holds at most 6,144 characters: split by concern, each with room to grow.
    const parts: Record<string, { description: string; sids: string[] }> = {
      Catalog: {
        description: 'Provision a Project Environment: stacks, bounded roles, the project portfolio',
        sids: [
          'ProvisionStacks',
          'InspectTemplates',
          'ReadStagedTemplates',
          'CreateBoundedRoles',
          'ManageProjectRoles',
          'AttachOwnPolicies',
          'ManageProjectPolicies',
          'DenyBoundaryChanges',
          'DenyBoundaryRemoval',
          'PassProjectRoles',
          'ProjectPortfolio',
          'ProjectPortfolioLinks',
        ],
      },
      Cost: {
        description: 'Provision a Project Environment: its budget, budget stop and alert topic',
        sids: ['ProjectBudgets', 'ProjectBudgetActions', 'ProjectTopics'],
      },
      Studio: {
        description: 'Provision a Project Environment: its SageMaker Studio domain, when the launch enables it',
        sids: [
          'CreateVpcOnlyDomains',
          'TagNewDomains',
          'ManageProjectDomains',
          'ReadDomains',
          'ProjectStudioLifecycleConfigs',
          'StudioHomeVolumes',
          'NewStudioHomeVolumes',
          'StudioServiceLinkedRole',
          'ProjectKeysForStudio',
          'CleanUpStudio',
        ],
      },
      Network: {
        description: 'Provision a Project Environment: its isolated network',
        sids: [
          'ProjectNetwork',
          'MirrorPrivateZone',
          'ProjectDnsFirewall',
          'ResolverServiceLinkedRole',
          'DnsQueryLogDelivery',
          'NoInternetPaths',
        ],
      },
    };
    const assigned = new Set(Object.values(parts).flatMap((part) => part.sids));
    parts.Storage = {
      description: 'Provision a Project Environment: keys, buckets, repository, parameters, logs',
      sids: statements.map((st) => st.sid!).filter((sid) => !assigned.has(sid)),
    };
    this.policies = Object.entries(parts).map(([partId, part]) => {
      const missing = part.sids.filter((sid) => !statements.some((st) => st.sid === sid));
      if (missing.length > 0) throw new Error(`Launch role statements not found: ${missing.join(', ')}`);
      return new iam.ManagedPolicy(this, `${partId}Policy`, {
        managedPolicyName: `${names.environmentLaunchRole}-${partId.toLowerCase()}`,
        description: part.description,
        roles: [this.role],
        statements: statements.filter((st) => part.sids.includes(st.sid!)),
      });
    });

    const star =
      'Actions with no resource type (GetTemplateSummary, ValidateTemplate, ListAliases, DescribeParameters, DescribeLogGroups, constraint and association calls), S3 reads limited by the servicecatalog:provisioning object tag, tag-conditioned CreateKey, EC2 network resources, Route 53 private zones and Resolver DNS Firewall and query logging resources with generated ids, log deliveries (no resource type), and explicit denies.';
    const acknowledgements = [
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: star },
      {
        id: 'AwsSolutions-IAM5[Action::ec2:Describe*]',
        reason:
          "Read-only: CloudFormation's read handlers for VPCs, subnets, route tables, security groups, endpoints and flow logs describe them (and their ACLs and attached instances).",
      },
      ...['s3:GetBucket*', 's3:Get*Configuration'].map((action) => ({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `Read-only bucket settings on the project buckets only (no object ARN is named): the S3 bucket read handler reads every optional configuration.`,
      })),
      ...[
        `arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/SC-<AWS::AccountId>-pp-*`,
        `arn:<AWS::Partition>:iam::<AWS::AccountId>:role/${prefixed}`,
        `arn:<AWS::Partition>:iam::<AWS::AccountId>:policy/${prefixed}`,
        `arn:<AWS::Partition>:catalog:<AWS::Region>:<AWS::AccountId>:portfolio/*`,
        `arn:<AWS::Partition>:catalog:<AWS::Region>:<AWS::AccountId>:product/*`,
        `arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*`,
        `arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:alias/${prefixed}`,
        `arn:<AWS::Partition>:s3:::${prefixed}`,
        `arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/${names.projectPath}`,
        `arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/${names.sharedParameterPath}`,
        `arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/${names.projectPath}`,
        `arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:${VENDED_LOGS_PREFIX}/${names.projectPath}`,
        `arn:<AWS::Partition>:codecommit:<AWS::Region>:<AWS::AccountId>:${prefixed}`,
        `arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/${prefixed}`,
        `arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:notebook-instance-lifecycle-config/${prefixed}`,
        `arn:<AWS::Partition>:resource-groups:<AWS::Region>:<AWS::AccountId>:group/${prefixed}`,
        `arn:<AWS::Partition>:budgets::<AWS::AccountId>:budget/${prefixed}`,
        `arn:<AWS::Partition>:budgets::<AWS::AccountId>:budget/${prefixed}/action/*`,
        `arn:<AWS::Partition>:sns:<AWS::Region>:<AWS::AccountId>:${prefixed}`,
      ].map((resource) => ({
        id: `AwsSolutions-IAM5[Resource::${resource}]`,
        reason: `Launch role acts on resources that each project names at launch time; limited to this deployment's project namespace (${names.projectNamespace}), Service Catalog's stack names or, for keys, those created with the ${TAG_KEYS.system} tag.`,
      })),
    ];
    acknowledgements.push(
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:domain/*]',
        reason: `Domain ids are generated by SageMaker: created only with the ${TAG_KEYS.system} tag of this platform, changed or deleted only when they carry it; reads and tag reconciliation run before the new domain's tags are visible.`,
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:user-profile/*]',
        reason: "Read-only: the domain's read handler describes its profiles, whose names are chosen at launch.",
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:studio-lifecycle-config/${prefixed}]`,
        reason: `Studio lifecycle configurations each project names at launch, in this deployment's project namespace (${names.projectNamespace}).`,
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:elasticfilesystem:<AWS::Region>:<AWS::AccountId>:file-system/*]',
        reason:
          "SageMaker creates the domain's home file system with the caller's credentials and generates its id; the domain handlers manage its mount targets.",
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/aws-service-role/sagemaker.amazonaws.com/*]',
        reason: "SageMaker's own service-linked roles, which CreateDomain creates once per account.",
      },
    );
    for (const policy of this.policies) Validations.of(policy).acknowledge(...acknowledgements);
  }
}
