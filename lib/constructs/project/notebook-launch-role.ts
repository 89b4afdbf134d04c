import { Aws, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { BUDGET_NAMES } from '../../config/budget';
import { launchRoleStatements } from '../identity/catalog-statements';
import { PROJECT_SHARED_POLICIES } from './project-roles';
import { acknowledgeWildcards, notebookWildcardReasons } from './policy-acknowledgements';
import { projectParameterName, ProjectContext, projectResourceName } from './project-context';
import { accountArn, iamArn } from '../../config/arns';
import { NOTEBOOK_ROLE_PREFIX } from '../../config/names';

/** Props of {@link NotebookLaunchRole}. */
export interface NotebookLaunchRoleProps {
  readonly project: ProjectContext;
  readonly boundary: iam.IManagedPolicy;
  /** The project key, which encrypts notebook volumes. */
  readonly key: kms.IKey;
}

/**
 * Service Catalog launch role of one project's SageMaker Notebook product. It carries the project
 * boundary itself, and can create only this project's notebooks, their execution roles (with the
 * same boundary) and their volume keys.
 */
export class NotebookLaunchRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: NotebookLaunchRoleProps) {
    super(scope, id);
    const { project } = props;
    const arn = (service: string, resource: string) => accountArn(service, resource);

    this.role = new iam.Role(this, 'Role', {
      roleName: projectResourceName(project, 'notebook-launch'),
      description: "Service Catalog launch role of this project's SageMaker Notebook product",
      assumedBy: new iam.ServicePrincipal('servicecatalog.amazonaws.com'),
      permissionsBoundary: props.boundary,
    });
    const policy = new iam.ManagedPolicy(this, 'Policy', {
      managedPolicyName: projectResourceName(project, 'notebook-launch'),
      description: "Provision this project's notebooks",
      roles: [this.role],
      statements: [
        ...launchRoleStatements(),
        ...executionRoleStatements(project, props.boundary),
        // Notebook volumes are encrypted with the project key: SageMaker creates a grant for the instance.
        new iam.PolicyStatement({
          sid: 'ProjectKeyForNotebookVolumes',
          actions: ['kms:DescribeKey', 'kms:CreateGrant'],
          resources: [props.key.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `sagemaker.${Aws.REGION}.amazonaws.com` },
            Bool: { 'kms:GrantIsForAWSResource': 'true' },
          },
        }),
        new iam.PolicyStatement({
          sid: 'ProjectNotebooks',
          actions: [
            'sagemaker:CreateNotebookInstance',
            'sagemaker:UpdateNotebookInstance',
            'sagemaker:DescribeNotebookInstance',
            'sagemaker:StartNotebookInstance',
            'sagemaker:StopNotebookInstance',
            'sagemaker:DeleteNotebookInstance',
            'sagemaker:AddTags',
            'sagemaker:DeleteTags',
            'sagemaker:ListTags',
          ],
          resources: [arn('sagemaker', `notebook-instance/${projectResourceName(project, '*')}`)],
        }),
        new iam.PolicyStatement({
          sid: 'UseProjectLifecycleConfig',
          actions: ['sagemaker:DescribeNotebookInstanceLifecycleConfig'],
          resources: [arn('sagemaker', `notebook-instance-lifecycle-config/${projectResourceName(project, '*')}`)],
        }),
        new iam.PolicyStatement({
          sid: 'ReadProjectSettings',
          actions: ['ssm:GetParameter', 'ssm:GetParameters'],
          resources: [arn('ssm', `parameter${projectParameterName(project, '*')}`)],
        }),
        new iam.PolicyStatement({
          sid: 'DescribeProjectNetwork',
          actions: [
            'ec2:DescribeSubnets',
            'ec2:DescribeSecurityGroups',
            'ec2:DescribeVpcs',
            'ec2:DescribeNetworkInterfaces',
            // SageMaker attaches the notebook's interface in the project subnet with the caller's rights.
            'ec2:CreateNetworkInterface',
            'ec2:DeleteNetworkInterface',
          ],
          resources: ['*'],
        }),
      ],
    });
    acknowledgeWildcards(policy, notebookWildcardReasons(project.names));
    Validations.of(policy).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Calls with no resource type (template inspection, EC2 describes) and staged-template reads limited by the servicecatalog:provisioning tag.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/SC-<AWS::AccountId>-pp-*]',
        reason: 'Service Catalog names the stacks it launches SC-<account>-pp-<id>; the id is only known after launch.',
      },
    );
  }
}

/**
 * What a launch role of a workspace product needs for the execution roles it creates: named `<roleSuffix>*`
 * in the project (`nb-` notebooks, `st-` Studio profiles), carrying the project boundary and exactly the project's shared policies, passed to SageMaker only.
 */
export function executionRoleStatements(
  project: ProjectContext,
  boundary: iam.IManagedPolicy,
  roleSuffix: string = NOTEBOOK_ROLE_PREFIX,
): iam.PolicyStatement[] {
  const notebookRoles = iamArn(`role/${projectResourceName(project, `${roleSuffix}*`)}`);
  return [
    new iam.PolicyStatement({
      sid: 'CreateBoundedExecutionRoles',
      actions: ['iam:CreateRole', 'iam:PutRolePermissionsBoundary'],
      resources: [notebookRoles],
      conditions: { StringEquals: { 'iam:PermissionsBoundary': boundary.managedPolicyArn } },
    }),
    new iam.PolicyStatement({
      sid: 'ManageExecutionRoles',
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
      resources: [notebookRoles],
    }),
    // Execution roles get exactly this project's shared SageMaker and data policies, nothing else.
    new iam.PolicyStatement({
      sid: 'AttachProjectPolicies',
      actions: ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
      resources: [notebookRoles],
      conditions: {
        ArnEquals: {
          'iam:PolicyARN': PROJECT_SHARED_POLICIES.map((suffix) =>
            iamArn(`policy/${projectResourceName(project, suffix)}`),
          ),
        },
      },
    }),
    // While a budget stop holds, the budget guard has attached it to the execution roles: a termination detaches it.
    new iam.PolicyStatement({
      sid: 'DetachBudgetStopOnTermination',
      actions: ['iam:DetachRolePolicy'],
      resources: [notebookRoles],
      conditions: {
        ArnEquals: { 'iam:PolicyARN': iamArn(`policy/${projectResourceName(project, BUDGET_NAMES.stopPolicy)}`) },
      },
    }),
    new iam.PolicyStatement({
      sid: 'PassExecutionRolesToSageMaker',
      actions: ['iam:PassRole'],
      resources: [notebookRoles],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    }),
  ];
}
