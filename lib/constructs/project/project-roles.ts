import { Aws, CfnCondition, CfnResource, Duration, Stack } from 'aws-cdk-lib';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeCompliance } from '../acknowledgements/acknowledge';
import { NOTEBOOK_ROLE_PREFIX, PROJECT_ADMIN_SESSION, TAG_KEYS } from '../../config/names';
import {
  compactActions,
  MONITORING_SCHEDULE,
  SAGEMAKER_VPC_CREATE_ACTIONS,
} from '../identity/project-permissions-boundary';
import { bucketObjectsFinding } from '../acknowledgements/findings';
import { browseCatalogStatement, ownLaunchesStatement } from '../identity/catalog-statements';
import { humanTrust, HumanTrustOptions, trustRoleArns } from '../identity/trust';
import { onlyWhen } from '../catalog/launch-condition';
import {
  acknowledgeWildcards,
  dataScienceWildcardReasons,
  notebookWildcardReasons,
  studioWildcardReasons,
} from './policy-acknowledgements';
import { projectParameterName, ProjectContext, projectResourceName } from './project-context';
import { KEY_SERVICES } from './project-storage';
import { accountArn, iamArn } from '../../config/arns';

/** Props of {@link ProjectRoles}. */
export interface ProjectRolesProps {
  readonly project: ProjectContext;
  readonly boundary: iam.IManagedPolicy;
  readonly subnetIds: string[];
  readonly securityGroupId: string;
  readonly key: kms.IKey;
  readonly buckets: s3.IBucket[];
  readonly repositoryArn: string;
  /** The project's ECR repository. */
  readonly imageRepositoryArn: string;
  /** The project VPC. */
  readonly vpcId: string;
  /**
   * Networks (IPv4 CIDRs) the console may open notebooks from.
   * @default - any network (sign-in, MFA and the project tags still apply)
   */
  readonly consoleSourceCidrs?: readonly string[];
  /** ARN of the project's notebook product, the one product its users may launch. */
  readonly notebookProductArn: string;
  /** The project's Studio domain and user product: their resources exist only under `condition`. */
  readonly studio: {
    readonly domain: sagemaker.CfnDomain;
    /** The domain's cleanup: the Studio policy outlives it, for the launches that remain while it refuses. */
    readonly cleanup: CfnResource;
    readonly productArn: string;
    readonly condition: CfnCondition;
  };
  /** ARN of the project's portfolio, which its administrator manages. */
  readonly portfolioArn: string;
  /** Comma-separated role ARNs (patterns allowed) that may assume the user role without MFA; empty for none. */
  readonly userTrustedRoleArns: string;
  /** The same for the admin role. */
  readonly adminTrustedRoleArns: string;
}

/**
 * Instance families whose storage is local NVMe only: SageMaker encrypts it in hardware and refuses a
 * volume KMS key for them (training, processing, endpoints), so the volume-key rule exempts exactly these.
 */
export const INSTANCE_STORAGE_TYPES = [
  'ml.g4dn.*',
  'ml.g5.*',
  'ml.g6.*',
  'ml.g6e.*',
  'ml.p3dn.*',
  'ml.p4d.*',
  'ml.p4de.*',
  'ml.p5.*',
  'ml.p5e.*',
  'ml.trn1.*',
  'ml.trn1n.*',
  'ml.m5d.*',
  'ml.c5d.*',
  'ml.r5d.*',
] as const;

/**
 * SageMaker create calls that take volume and output keys (condition keys `sagemaker:*KmsKeyArn`): the
 * VPC-bound ones but notebooks and models, and batch transform (which runs in the network of its model).
 */
const SAGEMAKER_KEYED_JOBS = [
  ...SAGEMAKER_VPC_CREATE_ACTIONS.filter(
    (action) => action !== 'sagemaker:CreateNotebookInstance' && action !== 'sagemaker:CreateModel',
  ),
  'sagemaker:CreateTransformJob',
];

/** The keyed jobs that always bring their own cluster: all but schedules, which may name a job definition. */
const KEYED_JOBS_WITH_OWN_CLUSTER = SAGEMAKER_KEYED_JOBS.filter((a) => a !== MONITORING_SCHEDULE);

/**
 * The project's two human roles, trusted by this account with MFA and bounded by the project
 * boundary. The user runs the secure ML life cycle inside this project only; the administrator
 * can also manage the project portfolio and read the project key's settings.
 */
export class ProjectRoles extends Construct {
  readonly admin: iam.Role;
  readonly user: iam.Role;

  constructor(scope: Construct, id: string, props: ProjectRolesProps) {
    super(scope, id);
    const { project } = props;
    const role = (roleId: string, suffix: string, description: string, trust: HumanTrustOptions = {}) =>
      new iam.Role(this, roleId, {
        roleName: projectResourceName(project, suffix),
        description,
        assumedBy: humanTrust([], trust),
        permissionsBoundary: props.boundary,
        maxSessionDuration: Duration.hours(8),
      });
    this.user = role('User', 'user', 'Data scientist of one project: notebooks, jobs and data of this project only', {
      sessionNamedAfterUser: true,
    });
    this.admin = role('Admin', 'admin', 'Administrator of one project: its portfolio, people and settings');
    // The admin manages every launch of the project's users (a departed user's notebook) as the user role, with
    // a session tag that only this statement lets anyone set: Service Catalog scopes launches by role, not tag.
    const actingAsAdmin = { [`aws:RequestTag/${PROJECT_ADMIN_SESSION.key}`]: PROJECT_ADMIN_SESSION.value };
    this.user.assumeRolePolicy!.addStatements(
      new iam.PolicyStatement({
        principals: [new iam.ArnPrincipal(this.admin.roleArn)],
        actions: ['sts:AssumeRole', 'sts:TagSession'],
        conditions: { StringEquals: actingAsAdmin },
      }),
    );
    // Federated people (IAM Identity Center, SAML) switch in by their role ARN: their sign-in enforces MFA.
    trustRoleArns(this.user, props.userTrustedRoleArns);
    trustRoleArns(this.admin, props.adminTrustedRoleArns);

    const work: DataScienceScope = {
      project,
      vpcId: props.vpcId,
      subnetIds: props.subnetIds,
      securityGroupId: props.securityGroupId,
      keyArn: props.key.keyArn,
      bucketArns: props.buckets.map((b) => b.bucketArn),
      repositoryArn: props.repositoryArn,
      imageRepositoryArn: props.imageRepositoryArn,
    };
    // Shared by both roles and the notebook execution roles, split by concern: one managed policy holds 6,144 characters.
    const shared = [
      new iam.ManagedPolicy(this, 'SageMakerPolicy', {
        managedPolicyName: projectResourceName(project, PROJECT_SHARED_POLICIES[0]),
        description: 'SageMaker work of this project: created inside its network, with its key, tags and names',
        roles: [this.user, this.admin],
        statements: sageMakerCreateStatements(work),
      }),
      new iam.ManagedPolicy(this, 'SageMakerManagePolicy', {
        managedPolicyName: projectResourceName(project, PROJECT_SHARED_POLICIES[1]),
        description: "SageMaker work of this project: operated, read and tracked by its tags, never another project's",
        roles: [this.user, this.admin],
        statements: sageMakerManageStatements(work),
      }),
      new iam.ManagedPolicy(this, 'DataPolicy', {
        managedPolicyName: projectResourceName(project, PROJECT_SHARED_POLICIES[2]),
        description: 'Data, key, repository, settings and logs of this project',
        roles: [this.user, this.admin],
        statements: projectDataStatements(work),
      }),
      new iam.ManagedPolicy(this, 'MlOpsPolicy', {
        managedPolicyName: projectResourceName(project, PROJECT_SHARED_POLICIES[3]),
        description: "Batch transform, monitoring, registry, pipelines and endpoint scaling of this project's models",
        roles: [this.user, this.admin],
        statements: mlLifecycleStatements(work),
      }),
    ];
    // Opening Jupyter: the console asks for a presigned URL from the person's own network.
    const cidrs = props.consoleSourceCidrs ?? [];
    const openNotebooks = new iam.PolicyStatement({
      sid: 'OpenProjectNotebooks',
      actions: ['sagemaker:CreatePresignedNotebookInstanceUrl'],
      resources: [accountArn('sagemaker', `notebook-instance/${projectResourceName(project, '*')}`)],
      conditions: {
        StringEquals: {
          [`aws:ResourceTag/${TAG_KEYS.projectName}`]: project.projectName,
          [`aws:ResourceTag/${TAG_KEYS.environmentType}`]: project.envType,
        },
        ...(cidrs.length > 0 ? { IpAddress: { 'aws:SourceIp': [...cidrs] } } : {}),
      },
    });
    const launchNotebooks = [
      openNotebooks,
      // People start and stop the project's notebooks; a notebook's own role stops only itself (when idle).
      new iam.PolicyStatement({
        sid: 'OperateProjectNotebooks',
        actions: ['sagemaker:StartNotebookInstance', 'sagemaker:StopNotebookInstance'],
        resources: [sageMakerArn(`notebook-instance/${projectResourceName(project, '*')}`)],
        conditions: { StringEquals: projectTagConditions(project).resourceTags },
      }),
      // With the console's networks known, what project code wrote is read back only there or in the project VPC.
      ...(cidrs.length > 0 ? [readBackOnlyFromStatement(props.vpcId, cidrs)] : []),
      new iam.PolicyStatement({
        sid: 'LaunchProjectNotebooks',
        actions: [
          'servicecatalog:DescribeProduct',
          'servicecatalog:DescribeProvisioningParameters',
          'servicecatalog:ListLaunchPaths',
          'servicecatalog:ProvisionProduct',
        ],
        resources: [props.notebookProductArn],
      }),
      browseCatalogStatement(),
    ];
    const userPolicy = new iam.ManagedPolicy(this, 'UserPolicy', {
      managedPolicyName: projectResourceName(project, 'user'),
      description: 'Data scientist of this project',
      roles: [this.user],
      statements: [
        ...launchNotebooks,
        ownLaunchesStatement('FollowOwnNotebookLaunches', 'userLevel'),
        ownLaunchesStatement('ProjectAdminManagesLaunches', 'roleLevel', {
          [`aws:PrincipalTag/${PROJECT_ADMIN_SESSION.key}`]: PROJECT_ADMIN_SESSION.value,
        }),
      ],
    });
    const adminPolicy = new iam.ManagedPolicy(this, 'AdminPolicy', {
      managedPolicyName: projectResourceName(project, 'admin'),
      description: 'Administrator of this project',
      roles: [this.admin],
      statements: [
        ...launchNotebooks,
        ownLaunchesStatement('FollowProjectNotebookLaunches', 'roleLevel'),
        new iam.PolicyStatement({
          sid: 'ActAsProjectUserOnLaunches',
          actions: ['sts:AssumeRole', 'sts:TagSession'],
          resources: [this.user.roleArn],
          conditions: { StringEquals: actingAsAdmin },
        }),
        new iam.PolicyStatement({
          sid: 'ManageProjectPortfolio',
          actions: [
            'servicecatalog:DescribePortfolio',
            'servicecatalog:ListPrincipalsForPortfolio',
            'servicecatalog:AssociatePrincipalWithPortfolio',
            'servicecatalog:DisassociatePrincipalFromPortfolio',
          ],
          resources: [props.portfolioArn],
        }),
        new iam.PolicyStatement({
          sid: 'ReadProjectKeySettings',
          actions: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:ListResourceTags'],
          resources: [props.key.keyArn],
        }),
        new iam.PolicyStatement({
          sid: 'ReadProjectBucketSettings',
          actions: [
            's3:GetBucketPolicy',
            's3:GetBucketVersioning',
            's3:GetEncryptionConfiguration',
            's3:GetBucketLogging',
          ],
          resources: props.buckets.map((b) => b.bucketArn),
        }),
        // Data ingestion from a workstation: write-only (the bucket policy allows this one exception).
        new iam.PolicyStatement({
          sid: 'UploadProjectData',
          actions: ['s3:PutObject'],
          resources: props.buckets.map((b) => b.arnForObjects('*')),
        }),
      ],
    });
    // Studio, when the launch enables it: a person opens only the profile whose owner tag is their own session
    // (aws:userid), from the console's networks, and launches the Studio user product.
    const studioPolicy = new iam.ManagedPolicy(this, 'StudioPolicy', {
      managedPolicyName: projectResourceName(project, 'studio-user'),
      description: 'Data scientist of this project: their own Studio profile',
      roles: [this.user],
      statements: [
        new iam.PolicyStatement({
          sid: 'OpenOwnStudio',
          actions: ['sagemaker:CreatePresignedDomainUrl'],
          resources: [accountArn('sagemaker', `user-profile/${props.studio.domain.attrDomainId}/*`)],
          conditions: {
            StringEquals: {
              ...projectTagConditions(project).resourceTags,
              [`aws:ResourceTag/${TAG_KEYS.ownerPrincipal}`]: '${aws:userid}',
            },
            // The project admin acting on launches as this role opens no one's Studio.
            Null: { [`aws:PrincipalTag/${PROJECT_ADMIN_SESSION.key}`]: 'true' },
            ...(cidrs.length > 0 ? { IpAddress: { 'aws:SourceIp': [...cidrs] } } : {}),
          },
        }),
        new iam.PolicyStatement({
          sid: 'LaunchStudioProfiles',
          actions: [
            'servicecatalog:DescribeProduct',
            'servicecatalog:DescribeProvisioningParameters',
            'servicecatalog:ListLaunchPaths',
            'servicecatalog:ProvisionProduct',
          ],
          resources: [props.studio.productArn],
        }),
      ],
    });
    onlyWhen(studioPolicy, props.studio.condition);
    studioPolicy.node.addDependency(props.studio.cleanup);
    const reasons = dataScienceWildcardReasons(
      project.names,
      props.buckets.map((b) => bucketObjectsFinding(b)),
    );
    for (const policy of shared) acknowledgeWildcards(policy, reasons);
    // The rule reads any statement naming `sagemaker:*`; this one is a Deny (on other projects' resources), never a grant.
    acknowledgeCompliance(
      shared[1],
      'IAMPolicyNoStatementsWithFullAccess',
      "The only statements with sagemaker:* and application-autoscaling:* are DenyOtherProjectsResources and DenyOtherEnvironmentsResources, Denies on resources tagged as another project's or environment's; the policy grants no full access.",
    );
    acknowledgeWildcards(
      studioPolicy,
      studioWildcardReasons(project.names, Stack.of(this).resolve(props.studio.domain.logicalId) as string),
    );
    for (const policy of [userPolicy, adminPolicy]) {
      acknowledgeWildcards(policy, { ...reasons, ...notebookWildcardReasons(project.names) });
    }
  }
}

/**
 * Calls that return what project code wrote (logs, metrics, experiment records) or what a model
 * serves: from outside the project network they would be a way to carry data out.
 */
export const READ_BACK_ACTIONS = [
  'logs:GetLogEvents',
  'logs:FilterLogEvents',
  'logs:StartQuery',
  // Names of streams and groups that code created carry data too.
  'logs:DescribeLogStreams',
  'logs:DescribeLogGroups',
  'cloudwatch:GetMetricData',
  'cloudwatch:ListMetrics',
  'sagemaker:InvokeEndpoint*',
  // Records (experiment parameters, failure reasons, tags) return what code wrote; Search returns other
  // projects' records too (IAM cannot scope it).
  'sagemaker:Describe*',
  'sagemaker:List*',
  'sagemaker:Search',
  'sagemaker:GetSearchSuggestions',
  'sagemaker:QueryLineage',
  // Scaling policies, scheduled actions and alarms carry names and metrics code chose.
  'application-autoscaling:Describe*',
  'cloudwatch:DescribeAlarms',
];

/**
 * Refuses {@link READ_BACK_ACTIONS} unless the request comes from the project VPC or, when given,
 * from one of `cidrs` (the console's networks).
 */
export function readBackOnlyFromStatement(vpcId: string, cidrs: readonly string[] = []): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ReadBackOnlyFromProjectNetwork',
    effect: iam.Effect.DENY,
    actions: READ_BACK_ACTIONS,
    resources: ['*'],
    conditions: {
      StringNotEquals: { 'aws:SourceVpc': vpcId },
      ...(cidrs.length > 0 ? { NotIpAddress: { 'aws:SourceIp': [...cidrs] } } : {}),
    },
  });
}

/** Suffixes of the project's managed policies that people and notebook roles share (SageMaker work, data). */
export const PROJECT_SHARED_POLICIES = ['sagemaker', 'sagemaker-manage', 'data', 'mlops'] as const;

/** What the project's data science statements are about: values may be launch-time tokens. */
export interface DataScienceScope {
  readonly project: ProjectContext;
  /** The project VPC: git work on the repository comes only through its endpoints. */
  readonly vpcId: string;
  readonly subnetIds: string[];
  readonly securityGroupId: string;
  readonly keyArn: string;
  readonly bucketArns: string[];
  readonly repositoryArn: string;
  readonly imageRepositoryArn: string;
}

/** Condition values that name a project's SageMaker work: its tags on requests and on resources. */
function projectTagConditions(project: ProjectContext) {
  const tags = (prefix: string) => ({
    [`${prefix}/${TAG_KEYS.projectName}`]: project.projectName,
    [`${prefix}/${TAG_KEYS.environmentType}`]: project.envType,
  });
  return { requestTags: tags('aws:RequestTag'), resourceTags: tags('aws:ResourceTag') };
}

const sageMakerArn = (resource: string) => accountArn('sagemaker', `${resource}`);

/**
 * SageMaker work created only in the project network, with the project key, tags and model names.
 * Models carry the project's name prefix: it is the only handle IAM offers on the model an endpoint
 * configuration serves (`sagemaker:ModelArn`), so no project can serve another's model.
 */
export function sageMakerCreateStatements(input: DataScienceScope): iam.PolicyStatement[] {
  const { project } = input;
  const { requestTags, resourceTags } = projectTagConditions(project);
  const projectModels = sageMakerArn(`model/${projectResourceName(project, '*')}`);
  return [
    // Create SageMaker work only in this project's subnets and security group, tagged as this project's.
    new iam.PolicyStatement({
      sid: 'CreateInProjectNetwork',
      actions: SAGEMAKER_VPC_CREATE_ACTIONS.filter((a) => a !== 'sagemaker:CreateNotebookInstance'),
      resources: [sageMakerArn('*')],
      conditions: {
        'ForAllValues:StringEquals': {
          'sagemaker:VpcSubnets': input.subnetIds,
          'sagemaker:VpcSecurityGroupIds': [input.securityGroupId],
        },
        Null: { 'sagemaker:VpcSubnets': 'false' },
        StringEquals: requestTags,
      },
    }),
    new iam.PolicyStatement({
      sid: 'DenyModelsWithoutProjectName',
      effect: iam.Effect.DENY,
      actions: ['sagemaker:CreateModel'],
      notResources: [projectModels],
    }),
    // Jobs encrypt their outputs with the project key, and their volumes too unless the instances have only
    // instance storage (which SageMaker encrypts in hardware and refuses a key for).
    new iam.PolicyStatement({
      sid: 'DenyJobsWithoutOutputKmsKeyArnOfProject',
      effect: iam.Effect.DENY,
      actions: compactActions(KEYED_JOBS_WITH_OWN_CLUSTER),
      resources: ['*'],
      conditions: { StringNotEqualsIfExists: { 'sagemaker:OutputKmsKeyArn': input.keyArn } },
    }),
    new iam.PolicyStatement({
      sid: 'DenyJobsWithOtherVolumeKey',
      effect: iam.Effect.DENY,
      actions: compactActions(SAGEMAKER_KEYED_JOBS),
      resources: ['*'],
      // A missing key makes a negated operator true: Null keeps this to requests that name a key.
      conditions: {
        StringNotEquals: { 'sagemaker:VolumeKmsKeyArn': input.keyArn },
        Null: { 'sagemaker:VolumeKmsKeyArn': 'false' },
      },
    }),
    new iam.PolicyStatement({
      sid: 'DenyJobsWithoutVolumeKeyOnEbs',
      effect: iam.Effect.DENY,
      actions: compactActions(SAGEMAKER_KEYED_JOBS),
      resources: ['*'],
      conditions: {
        Null: { 'sagemaker:VolumeKmsKeyArn': 'true' },
        'ForAnyValue:StringNotLike': { 'sagemaker:InstanceTypes': [...INSTANCE_STORAGE_TYPES] },
      },
    }),
    // Without instance types in the request (AutoML), IAM cannot tell: the key is required. A monitoring
    // schedule that names a job definition carries neither: the definition was created with both.
    new iam.PolicyStatement({
      sid: 'DenyJobsWithoutVolumeKeyOrTypes',
      effect: iam.Effect.DENY,
      actions: compactActions(KEYED_JOBS_WITH_OWN_CLUSTER),
      resources: ['*'],
      conditions: { Null: { 'sagemaker:VolumeKmsKeyArn': 'true', 'sagemaker:InstanceTypes': 'true' } },
    }),
    // Endpoint configurations serve only this project's models, with storage encrypted with the project key.
    new iam.PolicyStatement({
      sid: 'CreateEndpointConfigOfProjectModels',
      actions: ['sagemaker:CreateEndpointConfig'],
      resources: [sageMakerArn('endpoint-config/*')],
      conditions: {
        StringEquals: { 'sagemaker:VolumeKmsKeyArn': input.keyArn, ...requestTags },
        'ForAllValues:ArnLike': { 'sagemaker:ModelArn': [projectModels] },
        Null: { 'sagemaker:ModelArn': 'false' },
      },
    }),
    // GPU endpoints with instance storage only: no volume key, which SageMaker would refuse.
    new iam.PolicyStatement({
      sid: 'CreateEndpointConfigOnInstanceStorage',
      actions: ['sagemaker:CreateEndpointConfig'],
      resources: [sageMakerArn('endpoint-config/*')],
      conditions: {
        StringEquals: requestTags,
        'ForAllValues:ArnLike': { 'sagemaker:ModelArn': [projectModels] },
        'ForAllValues:StringLike': { 'sagemaker:InstanceTypes': [...INSTANCE_STORAGE_TYPES] },
        Null: {
          'sagemaker:ModelArn': 'false',
          'sagemaker:InstanceTypes': 'false',
          'sagemaker:VolumeKmsKeyArn': 'true',
        },
      },
    }),
    // Serverless inference takes no VPC: its models would run outside the project network.
    new iam.PolicyStatement({
      sid: 'DenyServerlessEndpoints',
      effect: iam.Effect.DENY,
      actions: ['sagemaker:CreateEndpointConfig'],
      resources: ['*'],
      conditions: { Null: { 'sagemaker:ServerlessMemorySize': 'false' } },
    }),
    // The endpoint itself; the configuration it uses must be this project's (OperateProjectResources).
    new iam.PolicyStatement({
      sid: 'CreateProjectEndpoints',
      actions: ['sagemaker:CreateEndpoint'],
      resources: [sageMakerArn('endpoint/*')],
      conditions: { StringEquals: requestTags },
    }),
    new iam.PolicyStatement({
      sid: 'PassProjectRolesToSageMaker',
      actions: ['iam:PassRole'],
      resources: [iamArn(`role/${projectResourceName(project, `${NOTEBOOK_ROLE_PREFIX}*`)}`)],
      // By name and by tags: the tags also hold if a role is ever named outside the convention.
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com', ...resourceTags } },
    }),
  ];
}

/**
 * SageMaker work of this project operated, read and tracked through its tags. Tags are set at
 * create only, and nothing tagged as another project's can be touched. List and Search calls
 * have no per-resource control in IAM: they stay open (Search only inside the project network).
 */
export function sageMakerManageStatements(input: DataScienceScope): iam.PolicyStatement[] {
  const { project } = input;
  const { requestTags, resourceTags } = projectTagConditions(project);
  return [
    new iam.PolicyStatement({
      sid: 'TagOnlyAsThisProject',
      actions: ['sagemaker:AddTags'],
      resources: [sageMakerArn('*')],
      conditions: { StringEquals: requestTags },
    }),
    // The project tags are set at create only: never added, changed or removed later (tag-scoped rights follow them).
    new iam.PolicyStatement({
      sid: 'DenyProjectTagChanges',
      effect: iam.Effect.DENY,
      actions: ['sagemaker:AddTags', 'sagemaker:DeleteTags'],
      resources: ['*'],
      conditions: {
        // Condition keys ignore case (aws:RequestTag/projectname is ProjectName), tag keys in aws:TagKeys do not.
        'ForAnyValue:StringEqualsIgnoreCase': { 'aws:TagKeys': [TAG_KEYS.projectName, TAG_KEYS.environmentType] },
        StringNotLike: { 'sagemaker:TaggingAction': 'Create*' },
      },
    }),
    // Whatever another statement allows, nothing tagged as another project's, or another environment of this one
    // (dev never changes prod): its jobs, models, endpoint configurations, experiments and trial components are
    // neither read, used, re-tagged nor changed.
    ...(
      [
        ['DenyOtherProjectsResources', TAG_KEYS.projectName, project.projectName],
        ['DenyOtherEnvironmentsResources', TAG_KEYS.environmentType, project.envType],
      ] as const
    ).map(
      ([sid, tag, value]) =>
        new iam.PolicyStatement({
          sid,
          effect: iam.Effect.DENY,
          actions: ['sagemaker:*', 'application-autoscaling:*'],
          resources: ['*'],
          conditions: {
            StringNotEquals: { [`aws:ResourceTag/${tag}`]: value },
            Null: { [`aws:ResourceTag/${tag}`]: 'false' },
          },
        }),
    ),
    new iam.PolicyStatement({
      sid: 'OperateProjectResources',
      actions: [
        'sagemaker:StopTrainingJob',
        'sagemaker:StopProcessingJob',
        'sagemaker:StopHyperParameterTuningJob',
        'sagemaker:StopTransformJob',
        'sagemaker:StopAutoMLJob',
        'sagemaker:StopMonitoringSchedule',
        'sagemaker:CreateEndpoint',
        'sagemaker:DeleteEndpoint',
        'sagemaker:DeleteEndpointConfig',
        'sagemaker:DeleteModel',
        'sagemaker:DeleteMonitoringSchedule',
        'sagemaker:UpdateEndpoint',
        'sagemaker:UpdateEndpointWeightsAndCapacities',
        'sagemaker:InvokeEndpoint',
        // Monitoring set up by the project is also taken down by it.
        'sagemaker:DeleteDataQualityJobDefinition',
        'sagemaker:DeleteModelBiasJobDefinition',
        'sagemaker:DeleteModelExplainabilityJobDefinition',
        'sagemaker:DeleteModelQualityJobDefinition',
      ],
      resources: [sageMakerArn('*')],
      conditions: { StringEquals: resourceTags },
    }),
    // Reads of this project's resources; a name that does not exist yet reads as not found, not as refused.
    new iam.PolicyStatement({
      sid: 'DescribeProjectResources',
      actions: ['sagemaker:Describe*'],
      resources: [sageMakerArn('*')],
      conditions: { StringEqualsIfExists: resourceTags },
    }),
    new iam.PolicyStatement({
      sid: 'ListAndSearch',
      // No resource types: '*' is the only resource these accept (QueryLineage on an ARN was never allowed).
      actions: ['sagemaker:List*', 'sagemaker:Search', 'sagemaker:GetSearchSuggestions', 'sagemaker:QueryLineage'],
      resources: ['*'],
    }),
    // Experiment records are created with the project tags (the SageMaker SDK's Run passes its tags to each).
    new iam.PolicyStatement({
      sid: 'CreateProjectExperiments',
      actions: ['sagemaker:CreateExperiment', 'sagemaker:CreateTrial', 'sagemaker:CreateTrialComponent'],
      resources: [sageMakerArn('*')],
      conditions: { StringEquals: requestTags },
    }),
    // Metadata only, no compute and no network; records of other projects are refused above.
    new iam.PolicyStatement({
      sid: 'TrackExperimentsAndLineage',
      actions: [
        'sagemaker:UpdateTrialComponent',
        'sagemaker:AssociateTrialComponent',
        'sagemaker:BatchPutMetrics',
        'sagemaker:AddAssociation',
        'sagemaker:CreateArtifact',
        'sagemaker:CreateContext',
        'sagemaker:CreateAction',
      ],
      resources: [sageMakerArn('*')],
    }),
  ];
}

/** Project data, key use through services, the repository, settings, logs and metrics. */
export function projectDataStatements(input: DataScienceScope): iam.PolicyStatement[] {
  const { project } = input;
  const arn = (service: string, resource: string) => accountArn(service, resource);
  return [
    new iam.PolicyStatement({
      sid: 'ProjectData',
      actions: [
        's3:GetObject',
        's3:PutObject',
        's3:DeleteObject',
        's3:AbortMultipartUpload',
        's3:ListMultipartUploadParts',
      ],
      resources: input.bucketArns.map((b) => `${b}/*`),
    }),
    new iam.PolicyStatement({
      sid: 'ListProjectData',
      actions: ['s3:ListBucket', 's3:GetBucketLocation'],
      resources: input.bucketArns,
    }),
    new iam.PolicyStatement({
      sid: 'ProjectKeyThroughServices',
      actions: [
        'kms:Encrypt',
        'kms:Decrypt',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
        'kms:GenerateDataKey',
        'kms:GenerateDataKeyWithoutPlaintext',
        'kms:DescribeKey',
      ],
      resources: [input.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': KEY_SERVICES.map((s) => `${s}.${Aws.REGION}.amazonaws.com`) } },
    }),
    new iam.PolicyStatement({
      sid: 'ProjectKeyGrantsForSageMaker',
      actions: ['kms:CreateGrant'],
      resources: [input.keyArn],
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }),
    new iam.PolicyStatement({
      sid: 'ProjectRepository',
      // Day-to-day git and pull-request work on this one repository (wildcards keep the policy within IAM's size quota).
      actions: [
        'codecommit:GitPull',
        'codecommit:GitPush',
        'codecommit:Get*',
        'codecommit:ListBranches',
        'codecommit:ListPullRequests',
        'codecommit:BatchGet*',
        'codecommit:CreateBranch',
        'codecommit:CreateCommit',
        'codecommit:CreatePullRequest',
        'codecommit:UpdatePullRequest*',
        'codecommit:MergePullRequest*',
        'codecommit:PostCommentForPullRequest',
      ],
      resources: [input.repositoryArn],
      // Only from the project network (its CodeCommit endpoints): the code and data in it never reach a laptop.
      conditions: { StringEquals: { 'aws:SourceVpc': input.vpcId } },
    }),
    // Images are built, pushed and pulled by people and notebooks only inside the project network (its ECR
    // endpoints, when the launch enables them): data baked into an image stays there.
    new iam.PolicyStatement({
      sid: 'ProjectImages',
      actions: [
        'ecr:BatchCheckLayerAvailability',
        'ecr:InitiateLayerUpload',
        'ecr:UploadLayerPart',
        'ecr:CompleteLayerUpload',
        'ecr:PutImage',
        'ecr:BatchGetImage',
        'ecr:GetDownloadUrlForLayer',
        'ecr:DescribeImages',
        'ecr:DescribeImageScanFindings',
        'ecr:ListImages',
      ],
      resources: [input.imageRepositoryArn],
      conditions: { StringEquals: { 'aws:SourceVpc': input.vpcId } },
    }),
    new iam.PolicyStatement({
      sid: 'SignInToEcr',
      actions: ['ecr:GetAuthorizationToken'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'ReadProjectParameters',
      actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
      resources: [arn('ssm', `parameter${projectParameterName(project, '*')}`)],
    }),
    new iam.PolicyStatement({
      sid: 'ReadSageMakerLogsAndMetrics',
      actions: ['logs:DescribeLogStreams', 'logs:GetLogEvents', 'logs:FilterLogEvents'],
      resources: [arn('logs', 'log-group:/aws/sagemaker/*')],
    }),
    new iam.PolicyStatement({
      sid: 'ReadMetrics',
      actions: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics', 'logs:DescribeLogGroups'],
      resources: ['*'],
    }),
  ];
}

/**
 * The ML life cycle beyond single jobs and endpoints, inside the project: batch transform of its own
 * models, monitoring schedules, the model registry and pipelines under its name prefix, and
 * scaling of its own endpoints. Pipelines run
 * their steps as a project notebook role, so every step meets the same network, key and tag rules.
 */
export function mlLifecycleStatements(input: DataScienceScope): iam.PolicyStatement[] {
  const { project } = input;
  const { requestTags, resourceTags } = projectTagConditions(project);
  const named = (type: string) => sageMakerArn(`${type}/${projectResourceName(project, '*')}`);
  const scaling = { 'application-autoscaling:service-namespace': 'sagemaker' };
  return [
    // IAM matches tag keys in any case (aws:RequestTag/projectname is ProjectName), cost allocation and the budget
    // guard do not: work tagged `projectname` would escape the budget. A tagged create must carry the exact keys.
    ...[TAG_KEYS.projectName, TAG_KEYS.environmentType].map(
      (key) =>
        new iam.PolicyStatement({
          sid: `Deny${key}InAnotherCase`,
          effect: iam.Effect.DENY,
          actions: ['sagemaker:Create*', 'application-autoscaling:RegisterScalableTarget'],
          resources: ['*'],
          conditions: { Null: { 'aws:TagKeys': 'false' }, 'ForAllValues:StringNotEquals': { 'aws:TagKeys': [key] } },
        }),
    ),
    // The SageMaker SDK's form: the schedule names a job definition (created above with network, keys and
    // tags) and carries no cluster of its own. An inline definition names instance types and must bring its VPC.
    // Whether IAM reads the named definition's network into the request is undocumented: either way, any network it
    // sees must be the project's (ForAllValues holds on an absent key); inline definitions are bound by the denies.
    new iam.PolicyStatement({
      sid: 'ScheduleProjectJobDefinitions',
      actions: ['sagemaker:CreateMonitoringSchedule'],
      resources: [sageMakerArn('monitoring-schedule/*')],
      conditions: {
        StringEquals: requestTags,
        'ForAllValues:StringEquals': {
          'sagemaker:VpcSubnets': input.subnetIds,
          'sagemaker:VpcSecurityGroupIds': [input.securityGroupId],
        },
      },
    }),
    // An inline definition runs its own cluster: its outputs are encrypted with the project key like any job's.
    new iam.PolicyStatement({
      sid: 'DenyInlineMonitoringWithoutProjectKey',
      effect: iam.Effect.DENY,
      actions: [MONITORING_SCHEDULE],
      resources: ['*'],
      conditions: {
        StringNotEqualsIfExists: { 'sagemaker:OutputKmsKeyArn': input.keyArn },
        Null: { 'sagemaker:InstanceTypes': 'false' },
      },
    }),
    // A transform job runs the model's container in the model's network: only this project's models (keys above).
    new iam.PolicyStatement({
      sid: 'TransformWithProjectModels',
      actions: ['sagemaker:CreateTransformJob'],
      resources: [sageMakerArn('transform-job/*')],
      conditions: {
        StringEquals: requestTags,
        ArnLike: { 'sagemaker:ModelArn': named('model') },
        Null: { 'sagemaker:ModelArn': 'false' },
      },
    }),
    // Registry groups and pipelines carry the project's name prefix: versions in a group take no tags of their
    // own, and pipeline executions none at all, so the name is the handle that holds for both.
    new iam.PolicyStatement({
      sid: 'CreateProjectRegistryAndPipelines',
      actions: ['sagemaker:CreateModelPackageGroup', 'sagemaker:CreatePipeline'],
      resources: [named('model-package-group'), named('pipeline')],
      conditions: { StringEquals: requestTags },
    }),
    new iam.PolicyStatement({
      sid: 'ManageProjectRegistry',
      actions: [
        'sagemaker:CreateModelPackage',
        'sagemaker:UpdateModelPackage',
        'sagemaker:DeleteModelPackage',
        'sagemaker:DeleteModelPackageGroup',
      ],
      resources: [named('model-package'), named('model-package-group')],
    }),
    new iam.PolicyStatement({
      sid: 'RunProjectPipelines',
      actions: [
        'sagemaker:UpdatePipeline',
        'sagemaker:DeletePipeline',
        'sagemaker:StartPipelineExecution',
        'sagemaker:StopPipelineExecution',
        'sagemaker:RetryPipelineExecution',
        'sagemaker:UpdatePipelineExecution',
        'sagemaker:SendPipelineExecutionStepSuccess',
        'sagemaker:SendPipelineExecutionStepFailure',
      ],
      // The execution ARN is pipeline/<name>/execution/<id>: this pattern covers both.
      resources: [named('pipeline')],
    }),
    // Scalable targets get random ARNs: they are registered with the project tags and changed only by them.
    new iam.PolicyStatement({
      sid: 'RegisterProjectScalableTargets',
      actions: ['application-autoscaling:RegisterScalableTarget'],
      resources: ['*'],
      conditions: { StringEquals: { ...scaling, ...requestTags } },
    }),
    // TagResource has no namespace key; tags already there of another project or environment are refused above.
    new iam.PolicyStatement({
      sid: 'TagScalableTargetsAsProject',
      actions: ['application-autoscaling:TagResource'],
      resources: ['*'],
      conditions: { StringEquals: requestTags },
    }),
    new iam.PolicyStatement({
      sid: 'ScaleProjectEndpoints',
      actions: [
        'application-autoscaling:RegisterScalableTarget',
        'application-autoscaling:DeregisterScalableTarget',
        'application-autoscaling:PutScalingPolicy',
        'application-autoscaling:DeleteScalingPolicy',
        'application-autoscaling:PutScheduledAction',
        'application-autoscaling:DeleteScheduledAction',
      ],
      resources: [accountArn('application-autoscaling', 'scalable-target/*')],
      conditions: { StringEquals: { ...scaling, ...resourceTags } },
    }),
    new iam.PolicyStatement({
      sid: 'ReadScaling',
      actions: ['application-autoscaling:Describe*', 'cloudwatch:DescribeAlarms'],
      resources: ['*'],
    }),
  ];
}
