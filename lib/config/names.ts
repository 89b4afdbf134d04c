/**
 * The one naming module: every resource name, SSM parameter name, export and tag key that
 * stacks and products share comes from here, so a hub stack and a product launched months
 * later agree on where to find each other.
 */

/** Tag keys on every resource, and read by IAM conditions and resource groups. */
export const TAG_KEYS = {
  /** Which deployment of this app owns the resource (value: the prefix). */
  system: 'DataScienceSystem',
  projectName: 'ProjectName',
  environmentType: 'EnvironmentType',
  /** Notebook owner, used for git identity in the notebook. */
  ownerUserName: 'OwnerUserName',
  ownerEmail: 'OwnerEmail',
  /** Minutes without activity after which a notebook stops itself (0: never). */
  idleStopMinutes: 'IdleStopMinutes',
  /** Studio user profiles: the aws:userid of the one person who may open the profile's Studio. */
  ownerPrincipal: 'OwnerPrincipal',
  /** Studio execution roles: the domain of their profile (the boundary keeps their spaces in it). */
  studioDomainId: 'StudioDomainId',
} as const;

/**
 * The session tag of a project admin acting as the project user role on the project's launches: only
 * the admin role may set it (a session tag, never a resource tag).
 */
export const PROJECT_ADMIN_SESSION = { key: 'ActingAs', value: 'ProjectAdmin' } as const;

/** Prefix of every name when the config sets none (`cdk.json` sets it too). */
export const DEFAULT_PREFIX = 'sds';

/** Stack kinds, in deployment order. */
export type StackKind = 'admin-principals' | 'admin-portfolio' | 'shared-services' | 'detective-control';

/** Names derived from the configured prefix. Parts may be CloudFormation tokens (e.g. a ProjectName parameter). */
export class Names {
  constructor(readonly prefix: string) {}

  stackName(kind: StackKind): string {
    return `${this.prefix}-${kind}`;
  }

  /** Role the project administrators assume to launch project environments. */
  get projectAdministratorRole(): string {
    return `${this.prefix}-project-administrator`;
  }

  /** Service Catalog launch role of the Project Environment product. */
  get environmentLaunchRole(): string {
    return `${this.prefix}-environment-launch`;
  }

  /** Topic of the platform's security findings (detective control, budget guard, alarms). */
  get findingsTopic(): string {
    return `${this.prefix}-security-findings`;
  }

  /** EventBridge schedule of the budget guard: named apart from the detective control's rule. */
  get budgetGuardSchedule(): string {
    return `${this.prefix}-budget-guard`;
  }

  /** Function behind the Studio cleanup custom resources of project products (named: products call it by ARN). */
  get studioCleanupFunction(): string {
    return `${this.prefix}-studio-cleanup`;
  }

  /** CloudTrail trail the detective control reads (unless an existing trail is used). */
  get trailName(): string {
    return `${this.prefix}-trail`;
  }

  /** Permissions boundary every role created for a project must carry. */
  get projectBoundaryPolicy(): string {
    return `${this.prefix}-project-boundary`;
  }

  /** Start of every per-project resource name; admin-layer names never start with it. */
  get projectNamespace(): string {
    return `${this.prefix}-proj-`;
  }

  /** Name of a per-project resource, e.g. `<prefix>-proj-alpha-dev-user`. */
  projectResource(projectName: string, envType: string, suffix: string): string {
    return `${this.projectNamespace}${projectName}-${envType}-${suffix}`;
  }

  /**
   * Name of a per-project resource that is retained when the environment is terminated, e.g.
   * `<prefix>-proj-alpha-dev-data-1a2b3c4d`: the launch id keeps a relaunch with the same project name
   * from colliding with what the last launch left behind.
   */
  projectRetainedResource(projectName: string, envType: string, suffix: string, launchId: string): string {
    return `${this.projectResource(projectName, envType, suffix)}-${launchId}`;
  }

  /** Name pattern (IAM wildcard) that matches every per-project resource name and nothing of the admin layer. */
  get projectPattern(): string {
    return `${this.projectNamespace}*`;
  }

  /** SSM parameter published by the administration layer. */
  sharedParameter(key: string): string {
    return `/${this.prefix}/shared/${key}`;
  }

  /** Path (IAM wildcard, no leading slash) of the SSM parameters the administration layer publishes. */
  get sharedParameterPath(): string {
    return `${this.prefix}/shared/*`;
  }

  /** SSM parameter published by one project environment. */
  projectParameter(projectName: string, envType: string, key: string): string {
    return `/${this.prefix}/projects/${projectName}/${envType}/${key}`;
  }

  /** Path (IAM wildcard, no leading slash) of every SSM parameter this deployment publishes. */
  get parameterPath(): string {
    return `${this.prefix}/*`;
  }

  /** Path under which every project environment publishes its parameters (with slashes). */
  get projectsRoot(): string {
    return `/${this.prefix}/projects/`;
  }

  /**
   * The project, environment and key of a parameter named by {@link projectParameter}, or undefined
   * for any other name (the inverse of that method, so readers never take names apart themselves).
   */
  parseProjectParameter(name: string): { projectName: string; envType: string; key: string } | undefined {
    if (!name.startsWith(this.projectsRoot)) return undefined;
    const parts = name.slice(this.projectsRoot.length).split('/');
    if (parts.length !== 3 || parts.some((part) => part === '')) return undefined;
    const [projectName, envType, key] = parts;
    return { projectName, envType, key };
  }

  /** Path (IAM wildcard, no leading slash) of the SSM parameters and log groups projects own. */
  get projectPath(): string {
    return `${this.prefix}/projects/*`;
  }
}

/** Keys of the SSM parameters the shared-services stack publishes for project environments. */
export const SHARED_PARAMETERS = {
  vpcId: 'network/vpc-id',
  /** Id of the AWS-managed prefix list of S3 in this region, for egress rules to the S3 gateway endpoint. */
  s3PrefixListId: 'network/s3-prefix-list-id',
  mirrorEndpointServiceName: 'mirror/endpoint-service-name',
  /** `http` or `https`. */
  mirrorScheme: 'mirror/scheme',
  mirrorPort: 'mirror/port',
  /** DNS name the mirror's certificate is issued for; `none` without TLS. */
  mirrorDomainName: 'mirror/domain-name',
  packagesBucket: 'mirror/packages-bucket',
} as const;

/** Keys of the SSM parameters each project environment publishes, for its notebooks and tools. */
export const PROJECT_PARAMETERS = {
  vpcId: 'vpc-id',
  /** Comma-separated, for tools; CloudFormation cannot split a dynamic reference, so products read subnet-id-<n>. */
  subnetIds: 'subnet-ids',
  securityGroupId: 'sagemaker-security-group-id',
  kmsKeyArn: 'kms-key-arn',
  dataBucket: 'data-bucket',
  modelBucket: 'model-bucket',
  repositoryCloneUrl: 'repository-clone-url',
  repositoryName: 'repository-name',
  imageRepositoryArn: 'image-repository-arn',
  /** Launch-unique part of the names of what a termination retains. */
  launchId: 'launch-id',
  lifecycleConfigName: 'lifecycle-config-name',
  s3EndpointId: 's3-endpoint-id',
  /** Studio (only when the launch enables it): the domain, its security group and lifecycle configurations. */
  studioDomainId: 'studio-domain-id',
  studioSecurityGroupId: 'studio-security-group-id',
  studioLifecycleConfigArns: 'studio-lifecycle-config-arns',
  /** Unique id of the project user role: a Studio profile's owner is `<this id>:<sign-in name>` (aws:userid). */
  userRoleId: 'user-role-id',
} as const;

/** Notebook execution roles are `<project>-nb-<owner>`: every project role may pass them to SageMaker. */
export const NOTEBOOK_ROLE_PREFIX = 'nb-';

/**
 * Studio execution roles are `<project>-st-<owner>`: apart from notebook roles, so only a profile's own role
 * acts as that profile.
 */
export const STUDIO_ROLE_PREFIX = 'st-';

/** SSM parameter key of the id of project subnet `n` (1-based), one parameter per subnet. */
export function subnetIdParameter(n: number | string): string {
  return `subnet-id-${n}`;
}

/**
 * Log group name prefix under which CloudWatch Logs' log-delivery resource policy uses one wildcard,
 * so it never grows with each project (see ProjectDnsFirewall).
 */
export const VENDED_LOGS_PREFIX = '/aws/vendedlogs';

/** Object key prefix of approved packages in the packages bucket. */
export const PACKAGES_PREFIX = 'packages/';

/**
 * Project names: lower-case so they fit S3 names; at most 20 characters so every derived name stays
 * within S3's 63 and IAM's 64. No hyphens: names join their parts with hyphens, so a project name
 * with one could make `<prefix>-alpha-dev-*` match a neighbour project's resources (`alpha-dev-x`).
 */
export const PROJECT_NAME = {
  pattern: '^[a-z][a-z0-9]{2,19}$',
  description: '3-20 lower-case letters or digits, starting with a letter (no hyphens)',
} as const;

/** Environment types a project can be launched as. */
export const ENV_TYPES = ['dev', 'test', 'prod'] as const;
export type EnvType = (typeof ENV_TYPES)[number];

/**
 * Role ARNs (or IAM wildcard patterns) of this account, comma-separated, as a launch parameter
 * takes them: for IAM Identity Center permission-set roles or SAML federation, whose sessions carry
 * no MFA flag (the identity provider enforces MFA). Empty means nobody beside "this account with MFA".
 */
export const TRUSTED_ROLE_ARNS = {
  maxLength: 1024,
  pattern:
    '^$|^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=.@_/*?-]{1,512}(,arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=.@_/*?-]{1,512})*$',
  description:
    'empty, or comma-separated role ARNs of this account, wildcards allowed (e.g. arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataScientist_*)',
} as const;
