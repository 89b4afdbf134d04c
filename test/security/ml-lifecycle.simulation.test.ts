/**
 * The ML life cycle beyond single jobs, simulated against the synthesized, resolved policies of two
 * launched projects: batch transform, monitoring schedules, the model registry, pipelines, endpoint
 * scaling, and the project admin's hold on the project's launches. Each grant has its allowed path
 * and its refusals across projects, and the project's network, key and tag rules hold on it.
 */
import { PROJECT_ADMIN_SESSION, TAG_KEYS } from '../../lib/config/names';
import { Request, scenario } from '../helpers/iam';
import {
  ACCOUNT,
  boundaryOnly as boundaryOnlyOf,
  launchNotebook,
  launchProject,
  LaunchedProject,
  REGION,
  requestTags as tagsOfRequest,
  resourceTags as tagsOfResource,
  userTrust,
} from '../helpers/projects';
import { synthesize } from '../helpers/synth';
import { TEST_NAMES, projectNamed } from '../helpers/names';

const synthesized = synthesize();
const alpha = launchProject(synthesized, 'alpha');
const beta = launchProject(synthesized, 'beta');
const notebook = launchNotebook(synthesized, alpha, 'jane');
const boundaryOnly = boundaryOnlyOf(synthesized);

const sagemaker = (resource: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${resource}`;
const prefixed = (p: LaunchedProject, name: string) => `${TEST_NAMES.projectNamespace}${p.name}-dev-${name}`;
const requestTags = (p: LaunchedProject) => tagsOfRequest(p.name);
const resourceTags = (p: LaunchedProject) => tagsOfResource(p.name);
/** From inside the project network, where notebook code runs. */
const inNetwork = (p: LaunchedProject) => ({ 'aws:SourceVpc': p.vpcId, 'aws:SecureTransport': 'true' });

describe('batch transform: only the project’s models, with the project keys', () => {
  const transform =
    (model: string, extra: Record<string, string | string[]> = {}, drop: string[] = []) =>
    () => {
      const context: Record<string, string | string[]> = {
        ...inNetwork(alpha),
        ...requestTags(alpha),
        'sagemaker:ModelArn': sagemaker(`model/${model}`),
        'sagemaker:OutputKmsKeyArn': alpha.keyArn,
        'sagemaker:VolumeKmsKeyArn': alpha.keyArn,
        'sagemaker:InstanceTypes': ['ml.m5.large'],
        ...extra,
      };
      for (const key of drop) delete context[key];
      return { action: 'sagemaker:CreateTransformJob', resource: sagemaker('transform-job/score-1'), context };
    };
  scenario(
    'a notebook scores a batch with its project’s model',
    () => notebook,
    transform(prefixed(alpha, 'credit')),
    'Allowed',
  );
  scenario('the user role does too', () => alpha.user, transform(prefixed(alpha, 'credit')), 'Allowed');
  scenario('another project’s model is refused', () => notebook, transform(prefixed(beta, 'credit')), 'Denied');
  scenario('a model outside the naming rule is refused', () => notebook, transform('credit'), 'Denied');
  scenario(
    'a request that names no model is refused',
    () => notebook,
    transform(prefixed(alpha, 'credit'), {}, ['sagemaker:ModelArn']),
    'Denied',
  );
  scenario(
    'outputs without the project key are refused',
    () => notebook,
    transform(prefixed(alpha, 'credit'), {}, ['sagemaker:OutputKmsKeyArn']),
    'Denied',
  );
  scenario(
    'a CPU batch without a volume key is refused',
    () => notebook,
    transform(prefixed(alpha, 'credit'), {}, ['sagemaker:VolumeKmsKeyArn']),
    'Denied',
  );
  scenario(
    'a GPU batch on instance storage runs without a volume key',
    () => notebook,
    transform(prefixed(alpha, 'credit'), { 'sagemaker:InstanceTypes': ['ml.g5.xlarge'] }, [
      'sagemaker:VolumeKmsKeyArn',
    ]),
    'Allowed',
  );
  scenario(
    'without the project tags it is refused',
    () => notebook,
    transform(prefixed(alpha, 'credit'), { [`aws:RequestTag/${TAG_KEYS.projectName}`]: 'beta' }),
    'Denied',
  );
});

describe('monitoring: schedules run job definitions made in the project network', () => {
  const schedule = (context: Record<string, string | string[]>) => () => ({
    action: 'sagemaker:CreateMonitoringSchedule',
    resource: sagemaker('monitoring-schedule/credit-monitor'),
    context: { ...inNetwork(alpha), ...context },
  });
  const inline = {
    'sagemaker:InstanceTypes': ['ml.m5.large'],
    'sagemaker:OutputKmsKeyArn': alpha.keyArn,
    'sagemaker:VolumeKmsKeyArn': alpha.keyArn,
  };
  const network = { 'sagemaker:VpcSubnets': alpha.subnetIds, 'sagemaker:VpcSecurityGroupIds': [alpha.securityGroupId] };
  scenario(
    'a schedule that names a job definition (the SDK’s form) is allowed',
    () => notebook,
    schedule(requestTags(alpha)),
    'Allowed',
  );
  scenario('without the project tags it is refused', () => notebook, schedule({}), 'Denied');
  // Whether IAM reads the named definition's network into the request is undocumented: both ways must hold.
  scenario(
    "the SDK's form is allowed too if IAM reads the project network from the named definition",
    () => notebook,
    schedule({ ...requestTags(alpha), ...network }),
    'Allowed',
  );
  scenario(
    "a schedule whose definition runs in another project's network is refused",
    () => notebook,
    schedule({
      ...requestTags(alpha),
      'sagemaker:VpcSubnets': beta.subnetIds,
      'sagemaker:VpcSecurityGroupIds': [beta.securityGroupId],
    }),
    'Denied',
  );
  scenario(
    'an inline definition in the project network with the project keys is allowed',
    () => notebook,
    schedule({ ...requestTags(alpha), ...inline, ...network }),
    'Allowed',
  );
  scenario(
    'an inline definition without a VPC is refused',
    () => notebook,
    schedule({ ...requestTags(alpha), ...inline }),
    'Denied',
  );
  scenario(
    'the boundary alone refuses an inline definition without a VPC',
    () => boundaryOnly,
    schedule({ ...requestTags(alpha), ...inline }),
    'ExplicitlyDenied',
  );
  scenario(
    'an inline definition without the project output key is refused',
    () => notebook,
    schedule({ ...requestTags(alpha), ...network, 'sagemaker:InstanceTypes': ['ml.m5.large'] }),
    'Denied',
  );
  for (const kind of ['data-quality', 'model-quality', 'model-bias', 'model-explainability']) {
    const type = kind.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
    scenario(
      `the project deletes its own ${kind} job definition`,
      () => notebook,
      () => ({
        action: `sagemaker:Delete${type}JobDefinition`,
        resource: sagemaker(`${kind}-job-definition/credit`),
        context: { ...inNetwork(alpha), ...resourceTags(alpha) },
      }),
      'Allowed',
    );
  }
  scenario(
    "another project's job definition cannot be deleted",
    () => notebook,
    () => ({
      action: 'sagemaker:DeleteDataQualityJobDefinition',
      resource: sagemaker('data-quality-job-definition/credit'),
      context: { ...inNetwork(alpha), ...resourceTags(beta) },
    }),
    'Denied',
  );
});

describe('model registry: groups and versions named for the project', () => {
  const group = (name: string) => sagemaker(`model-package-group/${name}`);
  scenario(
    'a notebook creates a model group named for its project, with its tags',
    () => notebook,
    () => ({
      action: 'sagemaker:CreateModelPackageGroup',
      resource: group(prefixed(alpha, 'credit')),
      context: { ...inNetwork(alpha), ...requestTags(alpha) },
    }),
    'Allowed',
  );
  scenario(
    'a group outside the naming rule is refused',
    () => notebook,
    () => ({
      action: 'sagemaker:CreateModelPackageGroup',
      resource: group('credit'),
      context: { ...inNetwork(alpha), ...requestTags(alpha) },
    }),
    'Denied',
  );
  scenario(
    "a group named for another project is refused, even with this project's tags",
    () => notebook,
    () => ({
      action: 'sagemaker:CreateModelPackageGroup',
      resource: group(prefixed(beta, 'credit')),
      context: { ...inNetwork(alpha), ...requestTags(alpha) },
    }),
    'Denied',
  );
  for (const action of ['CreateModelPackage', 'UpdateModelPackage', 'DeleteModelPackage']) {
    scenario(
      `${action} on a version in the project's group is allowed`,
      () => notebook,
      () => ({
        action: `sagemaker:${action}`,
        resource: sagemaker(`model-package/${prefixed(alpha, 'credit')}/3`),
        context: inNetwork(alpha),
      }),
      'Allowed',
    );
    scenario(
      `${action} on a version in another project's group is refused`,
      () => notebook,
      () => ({
        action: `sagemaker:${action}`,
        resource: sagemaker(`model-package/${prefixed(beta, 'credit')}/3`),
        context: inNetwork(alpha),
      }),
      'Denied',
    );
  }
  scenario(
    "approving a version tagged as another project's is refused, whatever its name",
    () => alpha.user,
    () => ({
      action: 'sagemaker:UpdateModelPackage',
      resource: sagemaker(`model-package/${prefixed(alpha, 'credit')}/3`),
      context: { ...inNetwork(alpha), ...resourceTags(beta) },
    }),
    'ExplicitlyDenied',
  );
});

describe('pipelines: named for the project, run as a project role', () => {
  const pipeline = (p: LaunchedProject, name: string) => sagemaker(`pipeline/${prefixed(p, name)}`);
  scenario(
    'a notebook creates a pipeline named for its project, with its tags',
    () => notebook,
    () => ({
      action: 'sagemaker:CreatePipeline',
      resource: pipeline(alpha, 'train'),
      context: { ...inNetwork(alpha), ...requestTags(alpha) },
    }),
    'Allowed',
  );
  scenario(
    'without the project tags it is refused',
    () => notebook,
    () => ({ action: 'sagemaker:CreatePipeline', resource: pipeline(alpha, 'train'), context: inNetwork(alpha) }),
    'Denied',
  );
  scenario(
    'a pipeline outside the naming rule is refused',
    () => notebook,
    () => ({
      action: 'sagemaker:CreatePipeline',
      resource: sagemaker('pipeline/train'),
      context: { ...inNetwork(alpha), ...requestTags(alpha) },
    }),
    'Denied',
  );
  scenario(
    'the user starts a project pipeline',
    () => alpha.user,
    () => ({
      action: 'sagemaker:StartPipelineExecution',
      resource: pipeline(alpha, 'train'),
      context: inNetwork(alpha),
    }),
    'Allowed',
  );
  scenario(
    "another project's pipeline cannot be started",
    () => alpha.user,
    () => ({
      action: 'sagemaker:StartPipelineExecution',
      resource: pipeline(beta, 'train'),
      context: inNetwork(alpha),
    }),
    'Denied',
  );
  scenario(
    'the user stops an execution of a project pipeline',
    () => alpha.user,
    () => ({
      action: 'sagemaker:StopPipelineExecution',
      resource: `${pipeline(alpha, 'train')}/execution/abc123`,
      context: inNetwork(alpha),
    }),
    'Allowed',
  );
  scenario(
    "an execution of another project's pipeline cannot be stopped",
    () => alpha.user,
    () => ({
      action: 'sagemaker:StopPipelineExecution',
      resource: `${pipeline(beta, 'train')}/execution/abc123`,
      context: inNetwork(alpha),
    }),
    'Denied',
  );
  scenario(
    'a pipeline runs as a project notebook role only',
    () => alpha.user,
    () => ({
      action: 'iam:PassRole',
      resource: `arn:aws:iam::${ACCOUNT}:role/${projectNamed('beta', 'dev', 'nb-jane')}`,
      context: {
        'iam:PassedToService': 'sagemaker.amazonaws.com',
        ...resourceTags(beta),
      },
    }),
    'Denied',
  );
});

describe('endpoint scaling: only the project’s tagged targets', () => {
  const target = `arn:aws:application-autoscaling:${REGION}:${ACCOUNT}:scalable-target/056f1a2b3c4d5e6f`;
  const scaling = (action: string, context: Record<string, string | string[]>) => () => ({
    action: `application-autoscaling:${action}`,
    resource: target,
    context: {
      ...inNetwork(alpha),
      'application-autoscaling:service-namespace': 'sagemaker',
      'application-autoscaling:scalable-dimension': 'sagemaker:variant:DesiredInstanceCount',
      ...context,
    },
  });
  scenario(
    "the user registers a project endpoint's variant with the project tags",
    () => alpha.user,
    scaling('RegisterScalableTarget', requestTags(alpha)),
    'Allowed',
  );
  scenario(
    'a registration without the project tags is refused',
    () => alpha.user,
    scaling('RegisterScalableTarget', {}),
    'Denied',
  );
  scenario(
    "a registration tagged as another project's is refused",
    () => alpha.user,
    scaling('RegisterScalableTarget', requestTags(beta)),
    'Denied',
  );
  scenario(
    'the user puts a scaling policy on a project target',
    () => alpha.user,
    scaling('PutScalingPolicy', resourceTags(alpha)),
    'Allowed',
  );
  scenario(
    "a scaling policy on another project's target is refused",
    () => alpha.user,
    scaling('PutScalingPolicy', resourceTags(beta)),
    'Denied',
  );
  scenario(
    'targets of other services are refused, even tagged as the project',
    () => alpha.user,
    scaling('PutScalingPolicy', { ...resourceTags(alpha), 'application-autoscaling:service-namespace': 'ecs' }),
    'Denied',
  );
  scenario(
    "the user shifts traffic between a project endpoint's variants",
    () => alpha.user,
    () => ({
      action: 'sagemaker:UpdateEndpointWeightsAndCapacities',
      resource: sagemaker('endpoint/credit'),
      context: { ...inNetwork(alpha), ...resourceTags(alpha) },
    }),
    'Allowed',
  );
  scenario(
    "another project's endpoint cannot be reweighted",
    () => alpha.user,
    () => ({
      action: 'sagemaker:UpdateEndpointWeightsAndCapacities',
      resource: sagemaker('endpoint/credit'),
      context: { ...inNetwork(alpha), ...resourceTags(beta) },
    }),
    'Denied',
  );
  const serviceLinkedRole = (service: string, name: string) => () => ({
    action: 'iam:CreateServiceLinkedRole',
    resource: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/${service}/${name}`,
    context: { 'iam:AWSServiceName': service },
  });
  scenario(
    "project roles do not create Application Auto Scaling's role for SageMaker (the platform team does, once per account)",
    () => alpha.user,
    serviceLinkedRole(
      'sagemaker.application-autoscaling.amazonaws.com',
      'AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint',
    ),
    'Denied',
  );
  scenario(
    'the boundary alone refuses every service-linked role',
    () => boundaryOnly,
    serviceLinkedRole('elasticmapreduce.amazonaws.com', 'AWSServiceRoleForEMRCleanup'),
    'Denied',
  );
  scenario(
    "tagging another project's scalable target is refused",
    () => alpha.user,
    scaling('TagResource', { ...requestTags(alpha), ...resourceTags(beta) }),
    'Denied',
  );
  scenario(
    "re-registering another project's existing target with this project's tags is refused",
    () => alpha.user,
    scaling('RegisterScalableTarget', { ...requestTags(alpha), ...resourceTags(beta) }),
    'Denied',
  );
  scenario(
    'no other service-linked role can be created',
    () => alpha.user,
    serviceLinkedRole('elasticmapreduce.amazonaws.com', 'AWSServiceRoleForEMRCleanup'),
    'Denied',
  );
});

describe('container images: built, pushed and pulled by the project only inside its network', () => {
  const image = (p: LaunchedProject, action: string, context: Record<string, string>) => (): Request => ({
    action: `ecr:${action}`,
    resource: p.imageRepositoryArn,
    context,
  });
  for (const action of ['InitiateLayerUpload', 'UploadLayerPart', 'CompleteLayerUpload', 'PutImage', 'BatchGetImage']) {
    scenario(
      `a notebook ${action} on the project repository from the project network`,
      () => notebook,
      image(alpha, action, inNetwork(alpha)),
      'Allowed',
    );
    scenario(
      `the user ${action} on the project repository from the project network`,
      () => alpha.user,
      image(alpha, action, inNetwork(alpha)),
      'Allowed',
    );
    scenario(
      `${action} on another project's repository is refused, even from inside its network`,
      () => notebook,
      image(beta, action, inNetwork(beta)),
      'Denied',
    );
  }
  scenario(
    'the user cannot push from a laptop',
    () => alpha.user,
    image(alpha, 'PutImage', { 'aws:SourceIp': '198.51.100.9' }),
    'Denied',
  );
  scenario(
    'the user cannot pull project images onto a laptop',
    () => alpha.user,
    image(alpha, 'BatchGetImage', { 'aws:SourceIp': '198.51.100.9' }),
    'Denied',
  );
  scenario(
    'the boundary alone lets no project role change repository policies',
    () => boundaryOnly,
    image(alpha, 'SetRepositoryPolicy', inNetwork(alpha)),
    'Denied',
  );
  scenario(
    "SageMaker pulls AWS's algorithm images with the notebook's role",
    () => notebook,
    () => ({
      action: 'ecr:BatchGetImage',
      resource: 'arn:aws:ecr:eu-west-1:685385470294:repository/sagemaker-xgboost',
      // AWS's repository policy lets every account pull (a cross-account pull needs both sides).
      resourcePolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage', Resource: '*' }],
      },
      context: { 'aws:SourceIp': '52.95.75.1' },
    }),
    'Allowed',
  );
  scenario(
    "SageMaker pulls the project's own image for a job with the notebook's role (from outside the network)",
    () => notebook,
    image(alpha, 'BatchGetImage', { 'aws:SourceIp': '52.95.75.1' }),
    'Allowed',
  );
  scenario(
    "the notebook's role cannot pull another project's images from anywhere",
    () => notebook,
    image(beta, 'BatchGetImage', { 'aws:SourceIp': '52.95.75.1' }),
    'Denied',
  );
  scenario(
    'signing in to ECR (an account-wide token) is allowed',
    () => notebook,
    () => ({ action: 'ecr:GetAuthorizationToken', resource: '*', context: inNetwork(alpha) }),
    'Allowed',
  );
});

describe('idle stop: a notebook stops itself, never a colleague', () => {
  const notebookInstance = (name: string) => () => ({
    action: 'sagemaker:StopNotebookInstance',
    resource: sagemaker(`notebook-instance/${name}`),
    context: { ...inNetwork(alpha), ...resourceTags(alpha) },
  });
  scenario(
    "jane's notebook stops itself when idle",
    () => notebook,
    notebookInstance(`${projectNamed('alpha', 'dev', 'jane')}`),
    'Allowed',
  );
  scenario(
    "jane's notebook cannot stop a colleague's notebook of the same project",
    () => notebook,
    notebookInstance(`${projectNamed('alpha', 'dev', 'john')}`),
    'Denied',
  );
  scenario(
    "jane's notebook cannot start itself or a colleague's again",
    () => notebook,
    () => ({
      ...notebookInstance(`${projectNamed('alpha', 'dev', 'jane')}`)(),
      action: 'sagemaker:StartNotebookInstance',
    }),
    'Denied',
  );
  scenario(
    'people of the project still start and stop its notebooks',
    () => alpha.user,
    notebookInstance(`${projectNamed('alpha', 'dev', 'john')}`),
    'Allowed',
  );
  scenario(
    "people cannot stop another project's notebooks",
    () => beta.user,
    notebookInstance(`${projectNamed('alpha', 'dev', 'john')}`),
    'Denied',
  );
});

describe("launches: the project admin manages every launch of the project's users, and only those", () => {
  const roleArn = (p: LaunchedProject, suffix: string) =>
    `arn:aws:iam::${ACCOUNT}:role/${TEST_NAMES.projectNamespace}${p.name}-dev-${suffix}`;
  const switchTo = (p: LaunchedProject, action: string, tag: string | undefined) => (): Request => ({
    action,
    resource: roleArn(p, 'user'),
    resourcePolicy: userTrust(p),
    context: tag
      ? { [`aws:RequestTag/${PROJECT_ADMIN_SESSION.key}`]: tag, 'aws:TagKeys': [PROJECT_ADMIN_SESSION.key] }
      : {},
  });
  for (const action of ['sts:AssumeRole', 'sts:TagSession']) {
    scenario(
      `the admin switches to the project user role as project admin (${action})`,
      () => alpha.admin,
      switchTo(alpha, action, PROJECT_ADMIN_SESSION.value),
      'Allowed',
    );
    scenario(
      `the admin cannot switch to another project's user role (${action})`,
      () => alpha.admin,
      switchTo(beta, action, PROJECT_ADMIN_SESSION.value),
      'Denied',
    );
  }
  scenario(
    "another project's admin is refused by the trust policy itself, whatever its own policies allow",
    () => ({
      ...beta.admin,
      identityPolicies: [
        {
          name: 'anything',
          policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:*', Resource: '*' }] },
        },
      ],
    }),
    switchTo(alpha, 'sts:AssumeRole', PROJECT_ADMIN_SESSION.value),
    'Denied',
  );
  scenario(
    'the admin cannot switch without the project-admin session tag',
    () => alpha.admin,
    switchTo(alpha, 'sts:AssumeRole', undefined),
    'Denied',
  );
  scenario(
    'a data scientist cannot give their own session the project-admin tag',
    () => ({
      ...alpha.user,
      identityPolicies: [
        ...alpha.user.identityPolicies,
        {
          name: 'anything',
          policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:*', Resource: '*' }] },
        },
      ],
    }),
    switchTo(alpha, 'sts:TagSession', PROJECT_ADMIN_SESSION.value),
    'Denied',
  );
  const launches = (action: string, context: Record<string, string>) => (): Request => ({
    action: `servicecatalog:${action}`,
    resource: '*',
    context,
  });
  const asAdmin = { [`aws:PrincipalTag/${PROJECT_ADMIN_SESSION.key}`]: PROJECT_ADMIN_SESSION.value };
  for (const action of ['TerminateProvisionedProduct', 'SearchProvisionedProducts', 'DescribeProvisionedProduct']) {
    scenario(
      `as project admin, the user role ${action} on any launch of the project's users`,
      () => alpha.user,
      launches(action, { 'servicecatalog:roleLevel': 'self', ...asAdmin }),
      'Allowed',
    );
  }
  scenario(
    "a data scientist cannot terminate a colleague's notebook",
    () => alpha.user,
    launches('TerminateProvisionedProduct', { 'servicecatalog:roleLevel': 'self' }),
    'Denied',
  );
  scenario(
    'a data scientist terminates their own notebook',
    () => alpha.user,
    launches('TerminateProvisionedProduct', { 'servicecatalog:userLevel': 'self' }),
    'Allowed',
  );
  scenario(
    "as project admin, launches of other roles (other projects') stay out of reach",
    () => alpha.user,
    launches('TerminateProvisionedProduct', { 'servicecatalog:accountLevel': 'self', ...asAdmin }),
    'Denied',
  );
  scenario(
    'the project admin terminates its own launches',
    () => alpha.admin,
    launches('TerminateProvisionedProduct', { 'servicecatalog:roleLevel': 'self' }),
    'Allowed',
  );
});
