/**
 * Red team (round 3): the ML life-cycle grants (batch transform, monitoring schedules, model registry,
 * pipelines, endpoint scaling), container images, the admin→user "ActingAs=ProjectAdmin" switch for
 * launches, and what the boundary now allows on its own. Each `attack` must be refused and is refused
 * today. Each `hole` is allowed today although it should not be: it asserts the hole is still open, so a
 * fix makes it fail (then turn it into an `attack`). A `precondition` is the legitimate half of an attack,
 * to show the channel is real end to end.
 *
 * Holes found (numbered R3-n, see the red team report of round 3); R3-1, R3-2, R3-3 and two of R3-5 (service-linked
 * roles, UpdateMonitoringSchedule) are closed since and asserted as refused (`closed`):
 * - R3-1 notebook code pulls images from any other account (an attacker's) through the project's ECR endpoints;
 * - R3-2 scaling policies, scheduled actions and alarms are read back from the internet with a notebook credential;
 * - R3-3 a scalable target that already exists (another project's, prod's) is re-registered with this project's tags;
 * - R3-4 the ActingAs tag can reach a user session without the admin: inherited as a transitive tag (to be checked);
 * - R3-5 the boundary alone now allows more than its identity policies ever use (service-linked roles, scaling
 *   of any service, pushes into any repository, assuming and tagging any project role, Update of monitoring
 *   schedules without a VPC, callbacks into any pipeline).
 */
import { PROJECT_ADMIN_SESSION, TAG_KEYS } from '../../lib/config/names';
import { evaluate, expectDecision, PolicyDocument, Principal, Request } from '../helpers/iam';
import { resolve } from '../helpers/intrinsics';
import {
  ACCOUNT,
  boundaryOnly as boundaryOnlyOf,
  launchNotebook,
  launchProject,
  LaunchedProject,
  REGION,
  requestTags,
  resourceTags,
  userTrust,
} from '../helpers/projects';
import { synthesize } from '../helpers/synth';
import { TEST_NAMES, projectNamed } from '../helpers/names';

const synthesized = synthesize();
const alpha = launchProject(synthesized, 'alpha');
const beta = launchProject(synthesized, 'beta');
const notebook = launchNotebook(synthesized, alpha, 'jane');

const boundaryOnly = boundaryOnlyOf(synthesized);

const ATTACKER = '444455556666';
const sagemaker = (resource: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${resource}`;
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
/** From inside alpha's network (its interface endpoints). */
const insideAlpha = { 'aws:SourceVpc': alpha.vpcId, 'aws:SecureTransport': 'true' };
/** A stolen credential used from a laptop on the internet. */
const OUTSIDE = { 'aws:SourceIp': '198.51.100.9', 'aws:SecureTransport': 'true' };
const openTo = (service: string): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: '*', Action: `${service}:*`, Resource: '*' }],
});

/** The policy of `p`'s interface endpoint for `service` (e.g. `ecr.api`), resolved. */
function endpointPolicy(p: LaunchedProject, service: string): PolicyDocument {
  const found = Object.values(p.template.Resources).find(
    (r) =>
      r.Type === 'AWS::EC2::VPCEndpoint' &&
      (resolve(r.Properties!.ServiceName, p.template, p.ctx) as string) === `com.amazonaws.${REGION}.${service}`,
  );
  if (!found) throw new Error(`no ${service} endpoint`);
  return resolve(found.Properties!.PolicyDocument, p.template, p.ctx) as PolicyDocument;
}

/** The attack must be refused, and is. */
function attack(title: string, principal: () => Principal, request: () => Request) {
  test(title, async () => {
    const { decision, why } = await evaluate(principal(), request());
    if (decision === 'Allowed') {
      throw new Error(`HOLE: ${request().action} on ${request().resource} was allowed\nreasons: ${why}`);
    }
  });
}

/**
 * A hole: allowed today, and it should not be. It asserts the hole is still open, so closing it fails this
 * test: then move the scenario to `attack`.
 */
function hole(id: string, title: string, principal: () => Principal, request: () => Request) {
  test(`${id} (open): ${title}`, () => expectDecision(principal(), request(), 'Allowed'));
}

/** A hole this round found and the policies now close: refused, kept under its number. */
function closed(id: string, title: string, principal: () => Principal, request: () => Request) {
  attack(`${id} (closed): ${title}`, principal, request);
}

/** The legitimate half of an attack (it is meant to be allowed, and is). */
function precondition(title: string, principal: () => Principal, request: () => Request) {
  test(`(precondition) ${title}`, () => expectDecision(principal(), request(), 'Allowed'));
}

describe("R3-1 container images: a notebook pulls any other account's images from inside the project network", () => {
  // PullAwsImages allows the pull calls on every repository outside this account (aws:ResourceAccount), with no
  // network condition, so that SageMaker can pull AWS's algorithm images for jobs. Since the ECR endpoints
  // (ContainerImages=Enabled) are in the project VPC, notebook code reaches ECR too, and the endpoints'
  // ThisAccountOnly policy checks the caller's account, not the repository's. An attacker's repository in the
  // same region, open to everyone, is then reachable from the notebook:
  // - in: any software (docker pull) bypasses the curated PyPI mirror and the DNS firewall;
  // - out: the image tags and layer digests the code asks for are chosen by it, and the repository owner sees
  //   which images were pulled (lastRecordedPullTime, and its own CloudTrail): a covert channel out.
  const attackerRepository = `arn:aws:ecr:${REGION}:${ATTACKER}:repository/drop`;
  const fromNotebookCode = (action: string, endpoint: string) => (): Request => ({
    action,
    resource: attackerRepository,
    resourceAccount: ATTACKER,
    resourcePolicy: openTo('ecr'),
    vpcEndpointPolicy: endpointPolicy(alpha, endpoint),
    context: insideAlpha,
  });
  closed(
    'R3-1',
    "alpha notebook code reads an image manifest from an attacker account's repository through the ECR API endpoint (BatchGetImage)",
    () => notebook,
    fromNotebookCode('ecr:BatchGetImage', 'ecr.api'),
  );
  closed(
    'R3-1',
    "alpha notebook code downloads layers of an attacker account's image through the ECR Docker endpoint (GetDownloadUrlForLayer)",
    () => notebook,
    fromNotebookCode('ecr:GetDownloadUrlForLayer', 'ecr.dkr'),
  );
  attack(
    "alpha notebook code cannot push into an attacker account's repository (PutImage)",
    () => notebook,
    fromNotebookCode('ecr:PutImage', 'ecr.api'),
  );
  attack(
    "alpha notebook code cannot start a layer upload into an attacker account's repository",
    () => notebook,
    fromNotebookCode('ecr:InitiateLayerUpload', 'ecr.api'),
  );
  attack(
    "alpha notebook code cannot list an attacker account's images (DescribeImages)",
    () => notebook,
    fromNotebookCode('ecr:DescribeImages', 'ecr.api'),
  );
  attack(
    "the alpha user cannot pull from an attacker account's repository (its ProjectImages names the project repository)",
    () => alpha.user,
    fromNotebookCode('ecr:BatchGetImage', 'ecr.api'),
  );
  attack(
    "a stolen alpha notebook credential cannot list the project's images from the internet",
    () => notebook,
    () => ({ action: 'ecr:DescribeImages', resource: alpha.imageRepositoryArn, context: OUTSIDE }),
  );
  attack(
    "the alpha user cannot push into beta's repository from beta's network",
    () => alpha.user,
    () => ({ action: 'ecr:PutImage', resource: beta.imageRepositoryArn, context: { 'aws:SourceVpc': beta.vpcId } }),
  );
});

describe('R3-2 read-back: what notebook code writes into endpoint scaling comes back from the internet', () => {
  // ReadScaling grants application-autoscaling:Describe* and cloudwatch:DescribeAlarms on '*'; neither is in
  // READ_BACK_ACTIONS, so the notebook's ReadBackOnlyFromProjectNetwork deny does not cover them. Policy names,
  // scheduled action names (256 characters each, as many as code wants) and the customized metric of a target
  // tracking policy (namespace, name, dimension values, copied into the alarms the service creates) are chosen by
  // the code that writes them.
  const target = `arn:aws:application-autoscaling:${REGION}:${ACCOUNT}:scalable-target/0a1b2c3d4e5f`;
  const scaling = {
    'application-autoscaling:service-namespace': 'sagemaker',
    'application-autoscaling:scalable-dimension': 'sagemaker:variant:DesiredInstanceCount',
  };
  precondition(
    'alpha notebook code puts a scaling policy (name and customized metric of its choice) on a project target',
    () => notebook,
    () => ({
      action: 'application-autoscaling:PutScalingPolicy',
      resource: target,
      context: { ...insideAlpha, ...scaling, ...resourceTags('alpha') },
    }),
  );
  precondition(
    'alpha notebook code puts scheduled actions (names of its choice) on a project target',
    () => notebook,
    () => ({
      action: 'application-autoscaling:PutScheduledAction',
      resource: target,
      context: { ...insideAlpha, ...scaling, ...resourceTags('alpha') },
    }),
  );
  for (const action of [
    'application-autoscaling:DescribeScalingPolicies',
    'application-autoscaling:DescribeScheduledActions',
    'cloudwatch:DescribeAlarms',
  ]) {
    closed(
      'R3-2',
      `a stolen alpha notebook credential reads them back from the internet (${action})`,
      () => notebook,
      () => ({ action, resource: '*', context: OUTSIDE }),
    );
  }
  attack(
    'the same records through SageMaker are refused off the network (DescribeEndpoint, the control)',
    () => notebook,
    () => ({ action: 'sagemaker:DescribeEndpoint', resource: sagemaker('endpoint/credit'), context: OUTSIDE }),
  );
});

describe('R3-3 endpoint scaling: a target that exists already is re-registered by whoever brings its own tags', () => {
  // RegisterProjectScalableTargets allows RegisterScalableTarget on '*' with this project's request tags and no
  // resource-tag condition; DenyOtherProjectsResources and DenyOtherEnvironmentsResources deny sagemaker:* only.
  // RegisterScalableTarget on a registered target updates it (min and max capacity, suspended scaling): alpha
  // dev sets beta's (or alpha prod's) endpoint to its maximum (cost) or its minimum (outage). Application Auto
  // Scaling says it also checks the caller's sagemaker:DescribeEndpoint and UpdateEndpointWeightsAndCapacities,
  // which the tag denies refuse on those endpoints (threat model, residual 3: to be checked in an account);
  // IAM itself refuses nothing here.
  const target = `arn:aws:application-autoscaling:${REGION}:${ACCOUNT}:scalable-target/0b7e7a5ca1ab1e`;
  const scaling = (context: Record<string, string | string[]>) => () => ({
    context: {
      ...insideAlpha,
      'application-autoscaling:service-namespace': 'sagemaker',
      'application-autoscaling:scalable-dimension': 'sagemaker:variant:DesiredInstanceCount',
      ...context,
    },
  });
  const call = (action: string, context: Record<string, string | string[]>) => (): Request => ({
    action: `application-autoscaling:${action}`,
    resource: target,
    ...scaling(context)(),
  });
  closed(
    'R3-3',
    "alpha re-registers beta's scalable target (tagged beta) with alpha's tags",
    () => alpha.user,
    call('RegisterScalableTarget', { ...requestTags('alpha'), ...resourceTags('beta') }),
  );
  closed(
    'R3-3',
    "alpha dev re-registers alpha prod's scalable target",
    () => notebook,
    call('RegisterScalableTarget', { ...requestTags('alpha'), ...resourceTags('alpha', 'prod') }),
  );
  attack(
    "alpha cannot re-tag beta's target as alpha's, to take it over (TagResource has no service-namespace key)",
    () => alpha.user,
    () => ({
      action: 'application-autoscaling:TagResource',
      resource: target,
      context: { ...insideAlpha, ...requestTags('alpha'), ...resourceTags('beta') },
    }),
  );
  for (const action of ['DeregisterScalableTarget', 'PutScalingPolicy', 'PutScheduledAction', 'DeleteScalingPolicy']) {
    attack(`alpha cannot ${action} on beta's target`, () => alpha.user, call(action, resourceTags('beta')));
    attack(
      `alpha dev cannot ${action} on alpha prod's target`,
      () => alpha.user,
      call(action, resourceTags('alpha', 'prod')),
    );
  }
  attack(
    'alpha cannot register a custom-resource target (Application Auto Scaling would call an HTTPS endpoint of its choice)',
    () => notebook,
    call('RegisterScalableTarget', {
      ...requestTags('alpha'),
      'application-autoscaling:service-namespace': 'custom-resource',
    }),
  );
  attack(
    'alpha cannot register an ECS target, even with its tags',
    () => notebook,
    call('RegisterScalableTarget', { ...requestTags('alpha'), 'application-autoscaling:service-namespace': 'ecs' }),
  );
  attack(
    'alpha cannot pass a notebook role to Application Auto Scaling (RegisterScalableTarget RoleARN)',
    () => alpha.user,
    () => ({
      action: 'iam:PassRole',
      resource: role(`${projectNamed('alpha', 'dev', 'nb-jane')}`),
      context: { 'iam:PassedToService': 'application-autoscaling.amazonaws.com', ...resourceTags('alpha') },
    }),
  );
  for (const [service, name] of [
    ['sagemaker.application-autoscaling.amazonaws.com', 'AWSServiceRoleForApplicationAutoScaling_Other'],
    ['ecs.application-autoscaling.amazonaws.com', 'AWSServiceRoleForApplicationAutoScaling_ECSService'],
  ]) {
    attack(
      `alpha cannot create the service-linked role ${service}/${name}`,
      () => alpha.user,
      () => ({
        action: 'iam:CreateServiceLinkedRole',
        resource: role(`aws-service-role/${service}/${name}`),
        context: { 'iam:AWSServiceName': service },
      }),
    );
  }
  attack(
    "alpha dev cannot shift traffic on alpha prod's endpoint",
    () => alpha.user,
    () => ({
      action: 'sagemaker:UpdateEndpointWeightsAndCapacities',
      resource: sagemaker('endpoint/credit'),
      context: { ...insideAlpha, ...resourceTags('alpha', 'prod') },
    }),
  );
  attack(
    'alpha cannot shift traffic on an untagged endpoint (the platform’s, or one made outside the projects)',
    () => alpha.user,
    () => ({
      action: 'sagemaker:UpdateEndpointWeightsAndCapacities',
      resource: sagemaker('endpoint/shared'),
      context: insideAlpha,
    }),
  );
});

describe('R3-4 launches: the ActingAs tag reaches a user session without the admin setting it', () => {
  // The user role's trust lets the admin pass ActingAs=ProjectAdmin (AdminActsOnLaunches, with sts:TagSession);
  // its other statements (this account with MFA, TrustedRoles) allow sts:AssumeRole without tags. A session
  // that already carries ActingAs as a *transitive* tag (role chaining, or an identity provider's session tags)
  // passes it on to the user session it assumes: an inherited tag is not a request tag, so neither the trust
  // condition nor sts:TagSession sees it (IAM User Guide, "Chaining roles with session tags"; to be checked in
  // an account). That session then gets ProjectAdminManagesLaunches: it terminates or updates every launch of
  // the project's users.
  const ssoRoles = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_DataScientist_*`;
  const ssoSession: Principal = {
    arn: role('aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataScientist_0123456789abcdef'),
    identityPolicies: [
      {
        name: 'sso',
        policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:*', Resource: '*' }] },
      },
    ],
  };
  const inherited = { [`aws:PrincipalTag/${PROJECT_ADMIN_SESSION.key}`]: PROJECT_ADMIN_SESSION.value };
  hole(
    'R3-4',
    'a federated data scientist whose session carries a transitive ActingAs tag assumes the user role (no sts:TagSession needed)',
    () => ssoSession,
    () => ({
      action: 'sts:AssumeRole',
      resource: alpha.user.arn,
      resourcePolicy: userTrust(alpha, { UserRoleArns: ssoRoles }),
      context: inherited,
    }),
  );
  precondition(
    "…and the user session with the inherited tag terminates any launch of the project's users",
    () => alpha.user,
    () => ({
      action: 'servicecatalog:TerminateProvisionedProduct',
      resource: '*',
      context: { 'servicecatalog:roleLevel': 'self', ...inherited },
    }),
  );
  attack(
    'the same federated data scientist cannot set ActingAs itself (sts:TagSession is for the admin only)',
    () => ssoSession,
    () => ({
      action: 'sts:TagSession',
      resource: alpha.user.arn,
      resourcePolicy: userTrust(alpha, { UserRoleArns: ssoRoles }),
      context: {
        [`aws:RequestTag/${PROJECT_ADMIN_SESSION.key}`]: PROJECT_ADMIN_SESSION.value,
        'aws:TagKeys': [PROJECT_ADMIN_SESSION.key],
      },
    }),
  );
  const adminTag = {
    [`aws:RequestTag/${PROJECT_ADMIN_SESSION.key}`]: PROJECT_ADMIN_SESSION.value,
    'aws:TagKeys': [PROJECT_ADMIN_SESSION.key],
  };
  attack(
    "alpha's admin cannot switch into alpha prod's user role with the tag",
    () => alpha.admin,
    () => ({ action: 'sts:AssumeRole', resource: role(`${projectNamed('alpha', 'prod', 'user')}`), context: adminTag }),
  );
  attack(
    "alpha's admin cannot switch into beta's user role, even if its identity allowed it (beta's trust names beta's admin)",
    () => ({
      ...alpha.admin,
      identityPolicies: [
        {
          name: 'sts',
          policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:*', Resource: '*' }] },
        },
      ],
    }),
    () => ({ action: 'sts:TagSession', resource: beta.user.arn, resourcePolicy: userTrust(beta), context: adminTag }),
  );
  attack(
    "alpha's admin cannot switch into beta's admin role",
    () => alpha.admin,
    () => ({ action: 'sts:AssumeRole', resource: beta.admin.arn, context: adminTag }),
  );
  attack(
    "beta's user cannot assume alpha's user role with the tag",
    () => beta.user,
    () => ({ action: 'sts:AssumeRole', resource: alpha.user.arn, resourcePolicy: userTrust(alpha), context: adminTag }),
  );
  attack(
    'the admin cannot switch with another value of the tag (values are compared exactly)',
    () => alpha.admin,
    () => ({
      action: 'sts:TagSession',
      resource: alpha.user.arn,
      resourcePolicy: userTrust(alpha),
      context: { ...adminTag, [`aws:RequestTag/${PROJECT_ADMIN_SESSION.key}`]: 'projectadmin' },
    }),
  );
  attack(
    'a notebook role carrying the ActingAs tag gets no launch rights (only the user role has the roleLevel statement)',
    () => notebook,
    () => ({
      action: 'servicecatalog:TerminateProvisionedProduct',
      resource: '*',
      context: { 'servicecatalog:roleLevel': 'self', ...inherited },
    }),
  );
  attack(
    "as project admin, the user session still cannot reach the account's other launches (accountLevel)",
    () => alpha.user,
    () => ({
      action: 'servicecatalog:UpdateProvisionedProduct',
      resource: '*',
      context: { 'servicecatalog:accountLevel': 'self', ...inherited },
    }),
  );
});

describe('R3-5 the boundary alone: what a project role with a `*` identity policy may now do', () => {
  // Defense in depth (threat model, residual 11): no project identity policy grants these today, but the ceiling
  // every project role shares now includes them with no condition, where the identity policies use a sliver.
  closed(
    'R3-5',
    'create the service-linked role of any service (iam:CreateServiceLinkedRole on *)',
    () => boundaryOnly,
    () => ({
      action: 'iam:CreateServiceLinkedRole',
      resource: role('aws-service-role/elasticmapreduce.amazonaws.com/AWSServiceRoleForEMRCleanup'),
      context: { 'iam:AWSServiceName': 'elasticmapreduce.amazonaws.com' },
    }),
  );
  hole(
    'R3-5',
    'scale any service in the account (application-autoscaling:* on an ECS target)',
    () => boundaryOnly,
    () => ({
      action: 'application-autoscaling:PutScalingPolicy',
      resource: `arn:aws:application-autoscaling:${REGION}:${ACCOUNT}:scalable-target/0ec5ec5ec5`,
      context: { 'application-autoscaling:service-namespace': 'ecs' },
    }),
  );
  hole(
    'R3-5',
    "push into beta's image repository from anywhere (ecr:PutImage and the layer calls on *)",
    () => boundaryOnly,
    () => ({ action: 'ecr:PutImage', resource: beta.imageRepositoryArn, context: OUTSIDE }),
  );
  hole(
    'R3-5',
    `assume any project's roles, beta's admin included (sts:AssumeRole on ${TEST_NAMES.projectNamespace}*; only the trust policy decides)`,
    () => boundaryOnly,
    () => ({ action: 'sts:AssumeRole', resource: beta.admin.arn }),
  );
  hole(
    'R3-5',
    `tag alpha's user role ActingAs=ProjectAdmin, which makes every user session a project admin for launches (iam:TagRole on ${TEST_NAMES.projectNamespace}*)`,
    () => boundaryOnly,
    () => ({
      action: 'iam:TagRole',
      resource: alpha.user.arn,
      context: {
        [`aws:RequestTag/${PROJECT_ADMIN_SESSION.key}`]: PROJECT_ADMIN_SESSION.value,
        'aws:TagKeys': [PROJECT_ADMIN_SESSION.key],
      },
    }),
  );
  closed(
    'R3-5',
    'rewrite a monitoring schedule into an inline definition without a VPC (the boundary denies it on Create only)',
    () => boundaryOnly,
    () => ({
      action: 'sagemaker:UpdateMonitoringSchedule',
      resource: sagemaker('monitoring-schedule/credit-monitor'),
      context: { 'sagemaker:InstanceTypes': ['ml.m5.large'] },
    }),
  );
  hole(
    'R3-5',
    "answer a callback step of beta's pipeline (executions carry no tags, so the tag denies never apply)",
    () => boundaryOnly,
    () => ({
      action: 'sagemaker:SendPipelineExecutionStepSuccess',
      resource: sagemaker(`pipeline/${projectNamed('beta', 'dev', 'train')}/execution/0abc`),
    }),
  );
  attack(
    'the boundary alone still refuses an inline monitoring schedule without a VPC on Create',
    () => boundaryOnly,
    () => ({
      action: 'sagemaker:CreateMonitoringSchedule',
      resource: sagemaker('monitoring-schedule/credit-monitor'),
      context: { 'sagemaker:InstanceTypes': ['ml.m5.large'] },
    }),
  );
  attack(
    "the boundary alone refuses a pipeline callback step's SQS message to an attacker queue",
    () => boundaryOnly,
    () => ({
      action: 'sqs:SendMessage',
      resource: `arn:aws:sqs:${REGION}:${ATTACKER}:drop`,
      resourceAccount: ATTACKER,
      resourcePolicy: openTo('sqs'),
    }),
  );
  attack(
    "the boundary alone refuses a pipeline Lambda step's invocation",
    () => boundaryOnly,
    () => ({ action: 'lambda:InvokeFunction', resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:anything` }),
  );
  attack(
    'the boundary alone refuses a repository policy (ecr:SetRepositoryPolicy would share the images)',
    () => boundaryOnly,
    () => ({ action: 'ecr:SetRepositoryPolicy', resource: alpha.imageRepositoryArn }),
  );
});

describe('refused: batch transform, monitoring, registry and pipelines across projects and environments', () => {
  const transform =
    (model: string, extra: Record<string, string | string[]> = {}) =>
    (): Request => ({
      action: 'sagemaker:CreateTransformJob',
      resource: sagemaker('transform-job/score-1'),
      context: {
        ...insideAlpha,
        ...requestTags('alpha'),
        'sagemaker:ModelArn': sagemaker(`model/${model}`),
        'sagemaker:OutputKmsKeyArn': alpha.keyArn,
        'sagemaker:VolumeKmsKeyArn': alpha.keyArn,
        'sagemaker:InstanceTypes': ['ml.m5.large'],
        ...extra,
      },
    });
  precondition(
    'alpha dev scores a batch with its model',
    () => notebook,
    transform(`${projectNamed('alpha', 'dev', 'credit')}`),
  );
  attack(
    "alpha dev cannot score with alpha prod's model",
    () => notebook,
    transform(`${projectNamed('alpha', 'prod', 'credit')}`),
  );
  attack(
    'a project named alphadev is no neighbour: alpha cannot score with its model',
    () => notebook,
    transform(`${projectNamed('alphadev', 'dev', 'credit')}`),
  );
  attack(
    "alpha cannot write transform outputs with beta's key",
    () => notebook,
    transform(`${projectNamed('alpha', 'dev', 'credit')}`, { 'sagemaker:OutputKmsKeyArn': beta.keyArn }),
  );
  attack(
    'alpha cannot tag a transform job as prod',
    () => notebook,
    transform(`${projectNamed('alpha', 'dev', 'credit')}`, requestTags('alpha', 'prod')),
  );
  attack(
    "a transform's data capture (written with the model's role) cannot reach an attacker's bucket",
    () => notebook,
    () => ({
      action: 's3:PutObject',
      resource: 'arn:aws:s3:::attacker-capture/batch/1.jsonl',
      resourceAccount: ATTACKER,
      resourcePolicy: openTo('s3'),
      context: insideAlpha,
    }),
  );
  attack(
    'alpha dev cannot schedule monitoring tagged as prod',
    () => notebook,
    () => ({
      action: 'sagemaker:CreateMonitoringSchedule',
      resource: sagemaker('monitoring-schedule/credit-monitor'),
      context: { ...insideAlpha, ...requestTags('alpha', 'prod') },
    }),
  );
  attack(
    'a notebook cannot rewrite a schedule into an inline definition without a VPC (UpdateMonitoringSchedule is not granted)',
    () => notebook,
    () => ({
      action: 'sagemaker:UpdateMonitoringSchedule',
      resource: sagemaker('monitoring-schedule/credit-monitor'),
      context: { ...insideAlpha, ...resourceTags('alpha'), 'sagemaker:InstanceTypes': ['ml.m5.large'] },
    }),
  );
  attack(
    "alpha cannot delete beta's monitoring schedule",
    () => notebook,
    () => ({
      action: 'sagemaker:DeleteMonitoringSchedule',
      resource: sagemaker('monitoring-schedule/credit-monitor'),
      context: { ...insideAlpha, ...resourceTags('beta') },
    }),
  );
  attack(
    "alpha dev cannot delete alpha prod's model quality job definition",
    () => notebook,
    () => ({
      action: 'sagemaker:DeleteModelQualityJobDefinition',
      resource: sagemaker('model-quality-job-definition/credit'),
      context: { ...insideAlpha, ...resourceTags('alpha', 'prod') },
    }),
  );
  attack(
    "alpha dev cannot approve a version in alpha prod's model group",
    () => alpha.user,
    () => ({
      action: 'sagemaker:UpdateModelPackage',
      resource: sagemaker(`model-package/${projectNamed('alpha', 'prod', 'credit')}/3`),
      context: { ...insideAlpha, 'sagemaker:ModelApprovalStatus': 'Approved' },
    }),
  );
  attack(
    "alpha cannot delete beta's model group",
    () => alpha.user,
    () => ({
      action: 'sagemaker:DeleteModelPackageGroup',
      resource: sagemaker(`model-package-group/${projectNamed('beta', 'dev', 'credit')}`),
      context: insideAlpha,
    }),
  );
  attack(
    "alpha cannot register a version into another account's model group (ModelPackageGroupName as an ARN)",
    () => notebook,
    () => ({
      action: 'sagemaker:CreateModelPackage',
      resource: `arn:aws:sagemaker:${REGION}:${ATTACKER}:model-package/${projectNamed('alpha', 'dev', 'credit')}/1`,
      resourceAccount: ATTACKER,
      resourcePolicy: openTo('sagemaker'),
      context: insideAlpha,
    }),
  );
  attack(
    'alpha cannot share its model group with another account (PutModelPackageGroupPolicy is not granted)',
    () => alpha.admin,
    () => ({
      action: 'sagemaker:PutModelPackageGroupPolicy',
      resource: sagemaker(`model-package-group/${projectNamed('alpha', 'dev', 'credit')}`),
      context: { ...insideAlpha, ...resourceTags('alpha') },
    }),
  );
  precondition(
    'a model package takes no tags of its own: CreateModelPackage is allowed by name alone',
    () => notebook,
    () => ({
      action: 'sagemaker:CreateModelPackage',
      resource: sagemaker(`model-package/${projectNamed('alpha', 'dev', 'x')}`),
      context: insideAlpha,
    }),
  );
  attack(
    "…but tags given at create are checked by AddTags: alpha cannot create a package tagged as beta's",
    () => notebook,
    () => ({
      action: 'sagemaker:AddTags',
      resource: sagemaker(`model-package/${projectNamed('alpha', 'dev', 'x')}`),
      context: { ...insideAlpha, ...requestTags('beta'), 'sagemaker:TaggingAction': 'CreateModelPackage' },
    }),
  );
  attack(
    "alpha dev cannot start alpha prod's pipeline",
    () => notebook,
    () => ({
      action: 'sagemaker:StartPipelineExecution',
      resource: sagemaker(`pipeline/${projectNamed('alpha', 'prod', 'train')}`),
      context: insideAlpha,
    }),
  );
  for (const action of [
    'SendPipelineExecutionStepSuccess',
    'SendPipelineExecutionStepFailure',
    'RetryPipelineExecution',
  ]) {
    attack(
      `alpha cannot ${action} on an execution of beta's pipeline`,
      () => notebook,
      () => ({
        action: `sagemaker:${action}`,
        resource: sagemaker(`pipeline/${projectNamed('beta', 'dev', 'train')}/execution/0abc`),
        context: insideAlpha,
      }),
    );
  }
  attack(
    'alpha cannot update a pipeline with its name prefix that is tagged as beta’s',
    () => notebook,
    () => ({
      action: 'sagemaker:UpdatePipeline',
      resource: sagemaker(`pipeline/${projectNamed('alpha', 'dev', 'train')}`),
      context: { ...insideAlpha, ...resourceTags('beta') },
    }),
  );
  attack(
    'alpha cannot create a pipeline with its name but tagged as prod',
    () => notebook,
    () => ({
      action: 'sagemaker:CreatePipeline',
      resource: sagemaker(`pipeline/${projectNamed('alpha', 'dev', 'train')}`),
      context: { ...insideAlpha, ...requestTags('alpha', 'prod') },
    }),
  );
  for (const service of ['states.amazonaws.com', 'lambda.amazonaws.com', 'events.amazonaws.com']) {
    attack(
      `a pipeline's role cannot be passed to ${service} (a side door for the notebook role)`,
      () => alpha.user,
      () => ({
        action: 'iam:PassRole',
        resource: role(`${projectNamed('alpha', 'dev', 'nb-jane')}`),
        context: { 'iam:PassedToService': service, ...resourceTags('alpha') },
      }),
    );
  }
});

describe('proposed fixes (these pass: each closes its hole and keeps the legitimate call)', () => {
  const withPolicy = (principal: Principal, statements: Record<string, unknown>[]): Principal => ({
    ...principal,
    identityPolicies: [
      ...principal.identityPolicies,
      { name: 'fix', policy: { Version: '2012-10-17', Statement: statements } },
    ],
  });
  const denyUnless = (actions: string[], condition: Record<string, unknown>) => ({
    Effect: 'Deny',
    Action: actions,
    Resource: '*',
    Condition: condition,
  });

  // R3-1: the ECR endpoints also check whose repository it is (SageMaker's own pulls for jobs do not use them).
  // Where notebooks must pull AWS's images themselves (local mode), list those accounts next to this one.
  const ecrEndpoint = (service: string): PolicyDocument => {
    const policy = endpointPolicy(alpha, service);
    return {
      ...policy,
      Statement: policy.Statement.map((s) => ({
        ...s,
        Condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT, 'aws:ResourceAccount': ACCOUNT } },
      })),
    };
  };
  test("R3-1 fixed: the ECR endpoints refuse another account's repository and still serve the project's", async () => {
    const pull = (resource: string, resourceAccount: string): Request => ({
      action: 'ecr:BatchGetImage',
      resource,
      resourceAccount,
      resourcePolicy: resourceAccount === ACCOUNT ? undefined : openTo('ecr'),
      vpcEndpointPolicy: ecrEndpoint('ecr.api'),
      context: insideAlpha,
    });
    expect(
      (await evaluate(notebook, pull(`arn:aws:ecr:${REGION}:${ATTACKER}:repository/drop`, ATTACKER))).decision,
    ).not.toBe('Allowed');
    await expectDecision(notebook, pull(alpha.imageRepositoryArn, ACCOUNT), 'Allowed');
  });

  // R3-2: READ_BACK_ACTIONS also lists application-autoscaling:Describe* and cloudwatch:DescribeAlarms.
  test('R3-2 fixed: scaling records are read back only inside the project network', async () => {
    const fixed = withPolicy(notebook, [
      denyUnless(['application-autoscaling:Describe*', 'cloudwatch:DescribeAlarms'], {
        StringNotEquals: { 'aws:SourceVpc': alpha.vpcId },
      }),
    ]);
    const read = (context: Record<string, string>): Request => ({
      action: 'application-autoscaling:DescribeScalingPolicies',
      resource: '*',
      context,
    });
    expect((await evaluate(fixed, read(OUTSIDE))).decision).toBe('ExplicitlyDenied');
    await expectDecision(fixed, read(insideAlpha), 'Allowed');
  });

  // R3-3: Application Auto Scaling gets the same tag denies as SageMaker (a target tagged as another project's or
  // environment's is never touched); new targets have no tags yet and still register with the project's.
  test("R3-3 fixed: another project's or environment's target is refused, a new one still registers", async () => {
    const fixed = withPolicy(alpha.user, [
      ...[
        [TAG_KEYS.projectName, 'alpha'],
        [TAG_KEYS.environmentType, 'dev'],
      ].map(([tag, value]) =>
        denyUnless(['application-autoscaling:*'], {
          StringNotEquals: { [`aws:ResourceTag/${tag}`]: value },
          Null: { [`aws:ResourceTag/${tag}`]: 'false' },
        }),
      ),
    ]);
    const register = (context: Record<string, string | string[]>): Request => ({
      action: 'application-autoscaling:RegisterScalableTarget',
      resource: `arn:aws:application-autoscaling:${REGION}:${ACCOUNT}:scalable-target/0b7e7a5ca1ab1e`,
      context: {
        ...insideAlpha,
        'application-autoscaling:service-namespace': 'sagemaker',
        'application-autoscaling:scalable-dimension': 'sagemaker:variant:DesiredInstanceCount',
        ...requestTags('alpha'),
        ...context,
      },
    });
    expect((await evaluate(fixed, register(resourceTags('beta')))).decision).toBe('ExplicitlyDenied');
    expect((await evaluate(fixed, register(resourceTags('alpha', 'prod')))).decision).toBe('ExplicitlyDenied');
    await expectDecision(fixed, register({}), 'Allowed');
  });

  // R3-4: the user role's trust refuses any caller but the admin whose session already carries ActingAs.
  test('R3-4 fixed: an inherited ActingAs tag is refused at the door, the admin still switches with it', async () => {
    const ssoRoles = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/*`;
    const trust = userTrust(alpha, { UserRoleArns: ssoRoles });
    const fixedTrust: PolicyDocument = {
      ...trust,
      Statement: [
        ...trust.Statement,
        {
          Sid: 'OnlyTheAdminActsAsProjectAdmin',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Condition: {
            Null: { [`aws:PrincipalTag/${PROJECT_ADMIN_SESSION.key}`]: 'false' },
            ArnNotEquals: { 'aws:PrincipalArn': alpha.admin.arn },
          },
        },
      ],
    };
    const sso: Principal = {
      arn: role('aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataScientist_0123456789abcdef'),
      identityPolicies: [
        {
          name: 'sso',
          policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:*', Resource: '*' }] },
        },
      ],
    };
    const assume = (context: Record<string, string | string[]>): Request => ({
      action: 'sts:AssumeRole',
      resource: alpha.user.arn,
      resourcePolicy: fixedTrust,
      context,
    });
    const inheritedTag = { [`aws:PrincipalTag/${PROJECT_ADMIN_SESSION.key}`]: PROJECT_ADMIN_SESSION.value };
    expect((await evaluate(sso, assume(inheritedTag))).decision).toBe('ExplicitlyDenied');
    await expectDecision(sso, assume({}), 'Allowed');
    await expectDecision(
      alpha.admin,
      assume({
        [`aws:RequestTag/${PROJECT_ADMIN_SESSION.key}`]: PROJECT_ADMIN_SESSION.value,
        'aws:TagKeys': [PROJECT_ADMIN_SESSION.key],
      }),
      'Allowed',
    );
  });
});
