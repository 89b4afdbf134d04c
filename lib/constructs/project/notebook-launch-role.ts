import { Aws, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TAG_KEYS } from '../../config/names';
import { launchRoleStatements } from '../identity/catalog-statements';
import { acknowledgeWildcards, notebookWildcardReasons } from './policy-acknowledgements';
import { projectParameterName, ProjectContext, projectResourceName } from './project-context';

/** Props of {@link NotebookLaunchRole}. */
export interface NotebookLaunchRoleProps {
  readonly project: ProjectContext;
  readonly boundary: iam.IManagedPolicy;
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
    const arn = (service: string, resource: string) =>
      `arn:${Aws.PARTITION}:${service}:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
    const notebookRoles = `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/${projectResourceName(project, 'nb-*')}`;
    const projectTag = { [`aws:ResourceTag/${TAG_KEYS.projectName}`]: project.projectName };

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
        new iam.PolicyStatement({
          sid: 'CreateBoundedExecutionRoles',
          actions: ['iam:CreateRole'],
          resources: [notebookRoles],
          conditions: { StringEquals: { 'iam:PermissionsBoundary': props.boundary.managedPolicyArn } },
        }),
        new iam.PolicyStatement({
          sid: 'ManageExecutionRoles',
          actions: [
            'iam:GetRole',
            'iam:DeleteRole',
            'iam:TagRole',
            'iam:UntagRole',
            'iam:GetRolePolicy',
            'iam:PutRolePolicy',
            'iam:DeleteRolePolicy',
            'iam:ListRolePolicies',
            'iam:ListAttachedRolePolicies',
          ],
          resources: [notebookRoles],
        }),
        new iam.PolicyStatement({
          sid: 'PassExecutionRolesToSageMaker',
          actions: ['iam:PassRole'],
          resources: [notebookRoles],
          conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
        }),
        new iam.PolicyStatement({
          sid: 'CreateVolumeKeys',
          actions: ['kms:CreateKey'],
          resources: ['*'],
          conditions: { StringEquals: { [`aws:RequestTag/${TAG_KEYS.projectName}`]: project.projectName } },
        }),
        new iam.PolicyStatement({
          sid: 'ManageVolumeKeys',
          actions: [
            'kms:DescribeKey',
            'kms:GetKeyPolicy',
            'kms:PutKeyPolicy',
            'kms:GetKeyRotationStatus',
            'kms:EnableKeyRotation',
            'kms:TagResource',
            'kms:ListResourceTags',
            'kms:CreateGrant',
          ],
          resources: [arn('kms', 'key/*')],
          conditions: { StringEquals: projectTag },
        }),
        new iam.PolicyStatement({
          sid: 'ProjectNotebooks',
          actions: [
            'sagemaker:CreateNotebookInstance',
            'sagemaker:UpdateNotebookInstance',
            'sagemaker:DescribeNotebookInstance',
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
          'Calls with no resource type (template inspection, EC2 describes), staged-template reads limited by the servicecatalog:provisioning tag, and CreateKey limited by the project request tag.',
      },
      ...[
        'Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/SC-<AWS::AccountId>-pp-*',
        'Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*',
      ].map((finding) => ({
        id: `AwsSolutions-IAM5[${finding}]`,
        reason:
          'Service Catalog stack names and key ids are generated at launch; keys are further limited to those tagged with this project.',
      })),
    );
  }
}
