import {
  Aws,
  CfnDynamicReference,
  CfnDynamicReferenceService,
  CfnOutput,
  CfnParameter,
  CfnResource,
  Fn,
  Tags,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as servicecatalog from 'aws-cdk-lib/aws-servicecatalog';
import { Construct } from 'constructs';
import { accountArn, iamArn } from '../config/arns';
import { Names, PROJECT_PARAMETERS, STUDIO_ROLE_PREFIX, TAG_KEYS } from '../config/names';
import { NotebookExecutionRole } from '../constructs/project/notebook-execution-role';
import { projectParameterName, ProjectContext, projectResourceName } from '../constructs/project/project-context';
import {
  STUDIO_CLEANUP_TIMEOUT_SECONDS,
  STUDIO_CLEANUP_TYPE,
  studioCleanupArn,
} from '../constructs/studio/studio-cleanup';
import { STUDIO_SPACE_ACTIONS } from '../constructs/identity/project-permissions-boundary';
import { OWNER_USER_NAME } from './project-parameters';
import { addOwnerParameters, addProjectParameters } from './project-parameters';
import { studioWildcardReasons } from '../constructs/project/policy-acknowledgements';

/** Studio owner names: the profile's name, and part of its execution role's name `st-<owner>`. */
export const STUDIO_OWNER = OWNER_USER_NAME;

/** The suffix of a Studio execution role's name. */
export const studioRoleSuffix = (owner: string) => `${STUDIO_ROLE_PREFIX}${owner}`;

/**
 * The name a person signs in with: what AWS appends to the role in their session (`aws:userid` is
 * `<role id>:<this>`): an IAM user name, or an IAM Identity Center or SAML user name.
 */
export const SIGN_IN_NAME = {
  pattern: '^[\\w+=,.@-]{2,64}$',
  description: '2-64 letters, digits or any of _+=,.@- (the name after the role in your console session)',
} as const;

/** Props of {@link StudioUserProduct}. */
export interface StudioUserProductProps {
  readonly names: Names;
  readonly assetBucket: s3.IBucket;
}

/**
 * The "SageMaker Studio user" product a data scientist launches from the project portfolio: a
 * user profile in the project's VpcOnly domain, with its own execution role under the project
 * boundary (the same data, key and network rights as a notebook's), the project's JupyterLab
 * lifecycle configuration, and an owner tag that lets only its owner open it.
 */
export class StudioUserProduct extends servicecatalog.ProductStack {
  constructor(scope: Construct, id: string, props: StudioUserProductProps) {
    super(scope, id, {
      assetBucket: props.assetBucket,
      description: 'SageMaker Studio user profile for one data scientist, inside the project network',
    });
    const { names } = props;
    const { projectName, envType } = addProjectParameters(this);
    const project: ProjectContext = { names, projectName: projectName.valueAsString, envType: envType.valueAsString };
    const { owner, email } = addOwnerParameters(this, 'your Studio profile and its role');
    const signIn = new CfnParameter(this, 'SignInName', {
      type: 'String',
      description: `The name you sign in with: ${SIGN_IN_NAME.description}, e.g. jane@example.com in DataScientist/jane@example.com. Only this sign-in opens the profile.`,
      allowedPattern: SIGN_IN_NAME.pattern,
      constraintDescription: `must be ${SIGN_IN_NAME.description}`,
    });
    this.templateOptions.metadata = {
      'AWS::CloudFormation::Interface': {
        ParameterGroups: [
          { Label: { default: 'Owner' }, Parameters: [owner.logicalId, email.logicalId, signIn.logicalId] },
          {
            Label: { default: 'Project (set by the portfolio)' },
            Parameters: [projectName.logicalId, envType.logicalId],
          },
        ],
        ParameterLabels: {
          [owner.logicalId]: { default: 'User name' },
          [email.logicalId]: { default: 'E-mail' },
          [signIn.logicalId]: { default: 'Sign-in name' },
        },
      },
    };
    const setting = (key: string) =>
      new CfnDynamicReference(CfnDynamicReferenceService.SSM, projectParameterName(project, key)).toString();
    const domainId = setting(PROJECT_PARAMETERS.studioDomainId);
    const userName = owner.valueAsString;
    Tags.of(this).add(TAG_KEYS.system, names.prefix);
    Tags.of(this).add(TAG_KEYS.projectName, project.projectName);
    Tags.of(this).add(TAG_KEYS.environmentType, project.envType);
    Tags.of(this).add(TAG_KEYS.ownerUserName, userName);
    Tags.of(this).add(TAG_KEYS.ownerEmail, email.valueAsString);
    // The boundary keeps the execution role's spaces in this domain, owned by this profile. Not on the profile: its
    // tags are create-only (a changed tag would replace it), and it names its domain anyway.
    Tags.of(this).add(TAG_KEYS.studioDomainId, domainId, { excludeResourceTypes: ['AWS::SageMaker::UserProfile'] });

    const profileArn = accountArn('sagemaker', `user-profile/${domainId}/${userName}`);
    const { role: executionRole, policy } = new NotebookExecutionRole(this, {
      project,
      roleSuffix: studioRoleSuffix(userName),
      description: 'Execution role of one data scientist Studio profile and the SageMaker work it starts',
      setting,
      ownStatements: [
        // Studio creates the profile's private spaces and their apps with this role: only its own, in its domain (the
        // owner's ARN names the domain; a resource ARN cannot, as the domain id is read at launch).
        new iam.PolicyStatement({
          sid: 'OwnPrivateSpaces',
          actions: STUDIO_SPACE_ACTIONS,
          resources: [accountArn('sagemaker', 'space/*'), accountArn('sagemaker', 'app/*')],
          conditions: {
            ArnEquals: { 'sagemaker:OwnerUserProfileArn': profileArn },
            StringEquals: { 'sagemaker:SpaceSharingType': 'Private' },
          },
        }),
        // Jobs the profile starts run as this role; no other project role may pass it (it acts as the profile).
        new iam.PolicyStatement({
          sid: 'PassOwnRoleToSageMaker',
          actions: ['iam:PassRole'],
          resources: [iamArn(`role/${projectResourceName(project, studioRoleSuffix(userName))}`)],
          conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
        }),
        // Studio tags the spaces and apps it creates for the profile (with the domain's propagated tags).
        new iam.PolicyStatement({
          sid: 'TagOwnSpacesAtCreate',
          actions: ['sagemaker:AddTags'],
          resources: [accountArn('sagemaker', 'space/*'), accountArn('sagemaker', 'app/*')],
          conditions: { StringEquals: { 'sagemaker:TaggingAction': ['CreateSpace', 'CreateApp'] } },
        }),
        // The lifecycle script reads the profile's owner tags (git identity).
        new iam.PolicyStatement({
          sid: 'ReadOwnProfileTags',
          actions: ['sagemaker:ListTags'],
          resources: [profileArn],
        }),
      ],
      ownWildcardReasons: studioWildcardReasons(names),
      studioReads: true,
    });

    const lifecycleArn = setting(PROJECT_PARAMETERS.studioLifecycleConfigArns);
    const profile = new sagemaker.CfnUserProfile(this, 'UserProfile', {
      domainId,
      userProfileName: userName,
      userSettings: {
        executionRole: executionRole.roleArn,
        securityGroups: [
          setting(PROJECT_PARAMETERS.securityGroupId),
          setting(PROJECT_PARAMETERS.studioSecurityGroupId),
        ],
        jupyterLabAppSettings: {
          lifecycleConfigArns: [lifecycleArn],
          defaultResourceSpec: { lifecycleConfigArn: lifecycleArn, instanceType: 'ml.t3.medium' },
        },
      },
      tags: [
        {
          key: TAG_KEYS.ownerPrincipal,
          value: Fn.join(':', [setting(PROJECT_PARAMETERS.userRoleId), signIn.valueAsString]),
        },
      ],
    });
    profile.node.addDependency(policy);

    // Before CloudFormation deletes the profile, its apps and spaces go (SageMaker refuses it otherwise).
    const cleanup = new CfnResource(this, 'Cleanup', {
      type: STUDIO_CLEANUP_TYPE,
      properties: {
        ServiceToken: studioCleanupArn(names),
        ServiceTimeout: STUDIO_CLEANUP_TIMEOUT_SECONDS,
        Kind: 'UserProfile',
        DomainId: domainId,
        UserProfileName: userName,
      },
    });
    cleanup.node.addDependency(profile);

    // Outputs cannot hold dynamic references: the domain id comes back from the profile's ARN.
    const domainOfProfile = Fn.select(1, Fn.split('/', profile.attrUserProfileArn));
    new CfnOutput(this, 'StudioUrl', {
      description: 'Opens your Studio (sign in to the console as the project user first)',
      value: `https://${Aws.REGION}.console.aws.amazon.com/sagemaker/home?region=${Aws.REGION}#/studio/open/${domainOfProfile}/${userName}`,
    });
    new CfnOutput(this, 'OpenStudioCommand', {
      description: 'Prints a sign-in link to your Studio (as the project user, from an allowed network)',
      value: `aws sagemaker create-presigned-domain-url --region ${Aws.REGION} --domain-id ${domainOfProfile} --user-profile-name ${userName} --query AuthorizedUrl --output text`,
    });
    new CfnOutput(this, 'UserProfileName', { value: userName });
  }
}
