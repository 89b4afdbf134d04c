import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { accountArn } from '../../config/arns';
import { launchRoleStatements } from '../identity/catalog-statements';
import { executionRoleStatements } from '../project/notebook-launch-role';
import {
  acknowledgeWildcards,
  notebookWildcardReasons,
  studioWildcardReasons,
} from '../project/policy-acknowledgements';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { projectParameterName, ProjectContext, projectResourceName } from '../project/project-context';
import { studioCleanupArn } from './studio-cleanup';
import { STUDIO_ROLE_PREFIX, TAG_KEYS } from '../../config/names';

/** Props of {@link StudioLaunchRole}. */
export interface StudioLaunchRoleProps {
  readonly project: ProjectContext;
  readonly boundary: iam.IManagedPolicy;
  /** The project's domain: the only one where this role creates profiles. */
  readonly domain: sagemaker.CfnDomain;
}

/**
 * Service Catalog launch role of one project's "SageMaker Studio user" product. It carries the
 * project boundary, and can create only user profiles in this project's domain, their execution
 * roles (bounded, with the project's policies) and call the Studio cleanup when a launch ends.
 */
export class StudioLaunchRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: StudioLaunchRoleProps) {
    super(scope, id);
    const { project } = props;
    const arn = (service: string, resource: string) => accountArn(service, resource);
    this.role = new iam.Role(this, 'Role', {
      roleName: projectResourceName(project, 'studio-launch'),
      description: "Service Catalog launch role of this project's SageMaker Studio user product",
      assumedBy: new iam.ServicePrincipal('servicecatalog.amazonaws.com'),
      permissionsBoundary: props.boundary,
    });
    const policy = new iam.ManagedPolicy(this, 'Policy', {
      managedPolicyName: projectResourceName(project, 'studio-launch'),
      description: "Provision this project's Studio user profiles",
      roles: [this.role],
      statements: [
        ...launchRoleStatements(),
        ...executionRoleStatements(project, props.boundary, STUDIO_ROLE_PREFIX),
        new iam.PolicyStatement({
          sid: 'ProjectUserProfiles',
          actions: [
            'sagemaker:CreateUserProfile',
            'sagemaker:UpdateUserProfile',
            'sagemaker:DeleteUserProfile',
            'sagemaker:DescribeUserProfile',
            'sagemaker:AddTags',
            'sagemaker:DeleteTags',
            'sagemaker:ListTags',
          ],
          resources: [arn('sagemaker', `user-profile/${props.domain.attrDomainId}/*`)],
        }),
        // A profile's owner is set when it is created and never changed: an update of a launch (by anyone who may
        // update it) cannot hand the profile to another sign-in.
        new iam.PolicyStatement({
          sid: 'DenyOwnerChanges',
          effect: iam.Effect.DENY,
          actions: ['sagemaker:AddTags', 'sagemaker:DeleteTags'],
          resources: ['*'],
          // Only a profile that has an owner: however the create handler tags a new profile, it may.
          conditions: {
            'ForAnyValue:StringEquals': { 'aws:TagKeys': [TAG_KEYS.ownerPrincipal] },
            Null: { [`aws:ResourceTag/${TAG_KEYS.ownerPrincipal}`]: 'false' },
          },
        }),
        // Profiles run the project's lifecycle configuration; the handler reads images only when a profile names one.
        new iam.PolicyStatement({
          sid: 'ReadStudioSettings',
          actions: [
            'sagemaker:DescribeDomain',
            'sagemaker:DescribeStudioLifecycleConfig',
            'sagemaker:DescribeImage',
            'sagemaker:DescribeImageVersion',
          ],
          resources: [
            arn('sagemaker', `domain/${props.domain.attrDomainId}`),
            arn('sagemaker', `studio-lifecycle-config/${projectResourceName(project, '*')}`),
            arn('sagemaker', 'image/*'),
            arn('sagemaker', 'image-version/*'),
          ],
        }),
        // A launch that ends first removes the profile's apps and spaces (SageMaker refuses to delete it otherwise).
        new iam.PolicyStatement({
          sid: 'CleanUpStudioLaunches',
          actions: ['lambda:InvokeFunction'],
          resources: [studioCleanupArn(project.names)],
        }),
        new iam.PolicyStatement({
          sid: 'ReadProjectSettings',
          actions: ['ssm:GetParameter', 'ssm:GetParameters'],
          resources: [arn('ssm', `parameter${projectParameterName(project, '*')}`)],
        }),
      ],
    });
    acknowledgeWildcards(policy, {
      ...notebookWildcardReasons(project.names),
      ...studioWildcardReasons(project.names, Stack.of(this).resolve(props.domain.logicalId) as string),
    });
    Validations.of(policy).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Calls with no resource type (template inspection) and staged-template reads limited by the servicecatalog:provisioning tag.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/SC-<AWS::AccountId>-pp-*]',
        reason: 'Service Catalog names the stacks it launches SC-<account>-pp-<id>; the id is only known after launch.',
      },
      ...['image/*', 'image-version/*'].map((resource) => ({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:${resource}]`,
        reason:
          "Read-only: the user profile handler describes the images a profile names (SageMaker's own images by default).",
      })),
    );
  }
}
