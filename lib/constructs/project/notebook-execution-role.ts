import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { accountArn } from '../../config/arns';
import { PROJECT_PARAMETERS } from '../../config/names';
import { acknowledgeCompliance } from '../acknowledgements/acknowledge';
import { acknowledgeWildcards, dataScienceWildcardReasons, notebookWildcardReasons } from './policy-acknowledgements';
import { ProjectContext, projectResourceName } from './project-context';
import { PROJECT_SHARED_POLICIES, READ_BACK_ACTIONS, readBackOnlyFromStatement } from './project-roles';

/** What {@link NotebookExecutionRole} needs from the notebook product. */
export interface NotebookExecutionRoleProps {
  readonly project: ProjectContext;
  /** What follows the project part of the role's name: `nb-<owner>` (the budget guard stops `nb-*` roles). */
  readonly roleSuffix: string;
  readonly description: string;
  /** What only this kind of workspace does with its own resources (a notebook's tags and idle stop, Studio spaces). */
  readonly ownStatements: iam.PolicyStatement[];
  /** Why the own statements' wildcards are needed (cdk-nag acknowledgements). @default - none */
  readonly ownWildcardReasons?: Record<string, string>;
  /**
   * A Studio role: Studio's web portal lists and describes the profile's domain, spaces and apps with this role
   * from outside the project network, so those reads (names and settings, not what code wrote) are allowed
   * from anywhere. @default false
   */
  readonly studioReads?: boolean;
  /** A project setting, read at launch from the parameters the project environment publishes. */
  readonly setting: (key: string) => string;
}

/**
 * The execution role of one data scientist's workspace (a notebook, or a Studio profile) and the
 * SageMaker work it starts: bounded by the project boundary, with the project's shared policies and
 * an inline policy for what only a workspace does (network interfaces in the project VPC, images,
 * logs, and what it does with its own resources). Adds its resources to `scope` (the product), so
 * their logical ids stay those of launched products.
 */
export class NotebookExecutionRole {
  readonly role: iam.Role;
  readonly policy: iam.Policy;

  constructor(scope: Construct, props: NotebookExecutionRoleProps) {
    const { project, setting } = props;
    const { names } = project;
    this.role = new iam.Role(scope, 'ExecutionRole', {
      roleName: projectResourceName(project, props.roleSuffix),
      description: props.description,
      // No aws:SourceAccount condition: SageMaker documents it for jobs, not for the notebook instance assuming its
      // role, and a refused assumption fails the launch; PassRole never crosses accounts, so nothing is lost.
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      permissionsBoundary: iam.ManagedPolicy.fromManagedPolicyName(
        scope,
        'ProjectBoundary',
        names.projectBoundaryPolicy,
      ),
      // The project's own SageMaker and data policies, created by its environment: the same rights as the project's
      // people, kept in one place and within IAM's size quotas (the boundary allows attaching project policies only).
      managedPolicies: PROJECT_SHARED_POLICIES.map((suffix) =>
        iam.ManagedPolicy.fromManagedPolicyName(scope, `Project-${suffix}`, projectResourceName(project, suffix)),
      ),
    });
    const pullImage = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'];
    const statements = [
      // Notebook credentials used outside the project network cannot read back logs, metrics or models.
      ...(props.studioReads
        ? studioReadBackStatements(setting(PROJECT_PARAMETERS.vpcId))
        : [readBackOnlyFromStatement(setting(PROJECT_PARAMETERS.vpcId))]),
      // SageMaker attaches network interfaces in the project subnets with the execution role: in this VPC only.
      ...networkInterfaceStatements(accountArn('ec2', `vpc/${setting(PROJECT_PARAMETERS.vpcId)}`)),
      // SageMaker pulls job and model images with this role, from outside the project network: AWS's images
      // (other accounts), and the project's own, never another project's repository in this account.
      new iam.PolicyStatement({
        sid: 'PullAwsImages',
        actions: pullImage,
        resources: ['*'],
        conditions: { StringNotEquals: { 'aws:ResourceAccount': Aws.ACCOUNT_ID } },
      }),
      new iam.PolicyStatement({
        sid: 'PullProjectImages',
        actions: pullImage,
        resources: [setting(PROJECT_PARAMETERS.imageRepositoryArn)],
      }),
      new iam.PolicyStatement({ sid: 'SignInToEcr', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
      new iam.PolicyStatement({
        sid: 'WriteSageMakerLogs',
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [accountArn('logs', 'log-group:/aws/sagemaker/*')],
      }),
      new iam.PolicyStatement({
        sid: 'PublishSageMakerMetrics',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/*', 'aws/sagemaker/*'] } },
      }),
      ...props.ownStatements,
    ];
    // Inline: the notebook launch role carries the project boundary, which forbids creating managed policies.
    this.policy = new iam.Policy(scope, 'ExecutionPolicy', { statements, roles: [this.role] });
    const policy = this.policy;
    // Bucket objects are in the attached project policy now: no bucket findings on this inline policy.
    acknowledgeWildcards(policy, {
      ...dataScienceWildcardReasons(names, []),
      ...notebookWildcardReasons(names),
      ...props.ownWildcardReasons,
      ...Object.fromEntries(
        ['subnet/*', 'security-group/*', 'network-interface/*'].map((resource) => [
          `Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:${resource}`,
          'Network interfaces SageMaker creates and deletes with the execution role for VPC work: ids are generated, and the statement holds only in the project VPC (ec2:Vpc).',
        ]),
      ),
    });
    acknowledgeCompliance(
      policy,
      'IAMNoInlinePolicy',
      'Deliberately inline: the notebook launch role carries the project boundary, which forbids creating or attaching managed policies so no project role can mint privileges.',
    );
  }
}

/** SageMaker resource types of Studio itself, whose names and settings its web portal reads from outside the VPC. */
export const STUDIO_METADATA_TYPES = ['domain', 'user-profile', 'space', 'app', 'studio-lifecycle-config'];

/**
 * The read-back refusal of a Studio role: as a notebook role's, except that SageMaker's List calls (names) and
 * Describe calls on Studio's own resources work from outside the project network too; Describe of anything else
 * (jobs, models, experiments: what code wrote) still needs the project network.
 */
export function studioReadBackStatements(vpcId: string): iam.PolicyStatement[] {
  const outside = { StringNotEquals: { 'aws:SourceVpc': vpcId } };
  const portal = ['sagemaker:Describe*', 'sagemaker:List*'];
  return [
    new iam.PolicyStatement({
      sid: 'ReadBackOnlyFromProjectNetwork',
      effect: iam.Effect.DENY,
      actions: READ_BACK_ACTIONS.filter((a) => !portal.includes(a)),
      resources: ['*'],
      conditions: outside,
    }),
    new iam.PolicyStatement({
      sid: 'DescribeWorkOnlyFromProjectNetwork',
      effect: iam.Effect.DENY,
      actions: ['sagemaker:Describe*'],
      notResources: STUDIO_METADATA_TYPES.map((type) => accountArn('sagemaker', `${type}/*`)),
      conditions: outside,
    }),
  ];
}

/**
 * Network interfaces the execution role may create and delete: in the project VPC only (`ec2:Vpc`),
 * so notebook code cannot use up or remove interfaces in another project's subnets. The interface
 * being created is not known to IAM by VPC yet; its subnet is, and the subnet is required.
 */
export function networkInterfaceStatements(vpcArn: string): iam.PolicyStatement[] {
  const ec2 = (resource: string) => accountArn('ec2', `${resource}`);
  return [
    new iam.PolicyStatement({
      sid: 'NetworkInterfacesInProjectVpc',
      actions: ['ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface'],
      resources: [ec2('subnet/*'), ec2('security-group/*'), ec2('network-interface/*')],
      conditions: { ArnEquals: { 'ec2:Vpc': vpcArn } },
    }),
    new iam.PolicyStatement({
      sid: 'NewNetworkInterfaces',
      actions: ['ec2:CreateNetworkInterface'],
      resources: [ec2('network-interface/*')],
    }),
    // Takes a permission id only, no interface: IAM cannot tell whose it is.
    new iam.PolicyStatement({
      sid: 'RemoveNetworkInterfacePermissions',
      actions: ['ec2:DeleteNetworkInterfacePermission'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'DescribeNetworkForVpcWork',
      actions: [
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeVpcs',
        'ec2:DescribeDhcpOptions',
        'ec2:DescribeSubnets',
        'ec2:DescribeSecurityGroups',
      ],
      resources: ['*'],
    }),
  ];
}
