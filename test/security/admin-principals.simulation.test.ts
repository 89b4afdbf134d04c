import { TAG_KEYS } from '../../lib/config/names';
import { DeployContext, exportsOf, resolve } from '../helpers/intrinsics';
import {
  accountRootKeyPolicy,
  expectDecision,
  logicalIdOf,
  managedPolicyDocument,
  Principal,
  principalFromTemplate,
} from '../helpers/iam';
import { CfnTemplate, synthesize } from '../helpers/synth';
import { TEST_NAMES, projectNamed } from '../helpers/names';

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const synthesized = synthesize();
const principalsTemplate = synthesized.stack('principals').toJSON() as CfnTemplate;
const portfolioTemplate = synthesized.stack('portfolio').toJSON() as CfnTemplate;
const principalsCtx: DeployContext = { account: ACCOUNT, region: REGION, instance: 'admin' };
const portfolioCtx: DeployContext = { ...principalsCtx, imports: exportsOf(principalsTemplate, principalsCtx) };
const extra = [{ template: portfolioTemplate, ctx: portfolioCtx }];

const roleId = (name: string) => logicalIdOf(principalsTemplate, 'AWS::IAM::Role', (p) => p.RoleName === name);
const administrator = principalFromTemplate(
  principalsTemplate,
  roleId(`${TEST_NAMES.prefix}-project-administrator`),
  principalsCtx,
  extra,
);
const launchRole = principalFromTemplate(
  principalsTemplate,
  roleId(`${TEST_NAMES.prefix}-environment-launch`),
  principalsCtx,
  extra,
);
const boundary = managedPolicyDocument(
  principalsTemplate,
  logicalIdOf(
    principalsTemplate,
    'AWS::IAM::ManagedPolicy',
    (p) => p.ManagedPolicyName === `${TEST_NAMES.prefix}-project-boundary`,
  ),
  principalsCtx,
);
const boundaryArn = `arn:aws:iam::${ACCOUNT}:policy/${TEST_NAMES.prefix}-project-boundary`;
const productId = resolve(
  { Ref: logicalIdOf(portfolioTemplate, 'AWS::ServiceCatalog::CloudFormationProduct') },
  portfolioTemplate,
  portfolioCtx,
) as string;
const keyPolicy = accountRootKeyPolicy(ACCOUNT);
const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
const alphaRole = `arn:aws:iam::${ACCOUNT}:role/${projectNamed('alpha', 'dev', 'user')}`;

describe('Project Administrator role', () => {
  test('launches the Project Environment product', async () => {
    await expectDecision(
      administrator,
      { action: 'servicecatalog:ProvisionProduct', resource: arn('catalog', `product/${productId}`) },
      'Allowed',
    );
  });
  test('cannot launch any other product', async () => {
    await expectDecision(
      administrator,
      { action: 'servicecatalog:ProvisionProduct', resource: arn('catalog', 'product/prod-other') },
      'ImplicitlyDenied',
    );
  });
  test('terminates only launches of its own role', async () => {
    await expectDecision(
      administrator,
      {
        action: 'servicecatalog:TerminateProvisionedProduct',
        resource: '*',
        context: { 'servicecatalog:roleLevel': 'self' },
      },
      'Allowed',
    );
    await expectDecision(
      administrator,
      {
        action: 'servicecatalog:TerminateProvisionedProduct',
        resource: '*',
        context: { 'servicecatalog:accountLevel': 'self' },
      },
      'ImplicitlyDenied',
    );
  });
  test('cannot read project data', async () => {
    await expectDecision(
      administrator,
      { action: 's3:GetObject', resource: `arn:aws:s3:::${projectNamed('alpha', 'dev', 'data-111122223333')}/x.csv` },
      'ImplicitlyDenied',
    );
    await expectDecision(
      administrator,
      { action: 'kms:Decrypt', resource: arn('kms', 'key/k1'), resourcePolicy: keyPolicy },
      'ImplicitlyDenied',
    );
  });
  test('cannot change infrastructure outside Service Catalog', async () => {
    for (const action of [
      'cloudformation:CreateStack',
      'iam:CreateRole',
      'sagemaker:CreateNotebookInstance',
      'ec2:CreateVpc',
    ]) {
      await expectDecision(administrator, { action, resource: '*' }, 'ImplicitlyDenied');
    }
  });
  test('reads the parameters this deployment publishes, and no others', async () => {
    await expectDecision(
      administrator,
      { action: 'ssm:GetParameter', resource: arn('ssm', `parameter${TEST_NAMES.sharedParameter('mirror-service')}`) },
      'Allowed',
    );
    await expectDecision(
      administrator,
      { action: 'ssm:GetParameter', resource: arn('ssm', 'parameter/other/secret') },
      'ImplicitlyDenied',
    );
  });
});

describe('Environment launch role', () => {
  const createRole = (name: string, context: Record<string, string> = {}) => ({
    action: 'iam:CreateRole',
    resource: `arn:aws:iam::${ACCOUNT}:role/${name}`,
    context,
  });
  test('creates project roles that carry the project boundary', async () => {
    await expectDecision(
      launchRole,
      createRole(`${projectNamed('alpha', 'dev', 'user')}`, { 'iam:PermissionsBoundary': boundaryArn }),
      'Allowed',
    );
  });
  test('cannot create a role without the boundary, or with another one', async () => {
    await expectDecision(launchRole, createRole(`${projectNamed('alpha', 'dev', 'user')}`), 'ImplicitlyDenied');
    await expectDecision(
      launchRole,
      createRole(`${projectNamed('alpha', 'dev', 'user')}`, {
        'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/AdministratorAccess',
      }),
      'ImplicitlyDenied',
    );
  });
  test('cannot create or change roles outside the project namespace', async () => {
    await expectDecision(
      launchRole,
      createRole(`${TEST_NAMES.prefix}-project-administrator`, { 'iam:PermissionsBoundary': boundaryArn }),
      'ImplicitlyDenied',
    );
    await expectDecision(
      launchRole,
      { action: 'iam:PutRolePolicy', resource: `arn:aws:iam::${ACCOUNT}:role/${TEST_NAMES.prefix}-environment-launch` },
      'ImplicitlyDenied',
    );
  });
  test('cannot attach administrator policies or the boundary as a grant', async () => {
    for (const policy of ['arn:aws:iam::aws:policy/AdministratorAccess', boundaryArn]) {
      await expectDecision(
        launchRole,
        { action: 'iam:AttachRolePolicy', resource: alphaRole, context: { 'iam:PolicyARN': policy } },
        'ImplicitlyDenied',
      );
    }
    await expectDecision(
      launchRole,
      {
        action: 'iam:AttachRolePolicy',
        resource: alphaRole,
        context: { 'iam:PolicyARN': `arn:aws:iam::${ACCOUNT}:policy/${projectNamed('alpha', 'dev', 'notebook')}` },
      },
      'Allowed',
    );
  });
  test('can never remove or rewrite the boundary', async () => {
    await expectDecision(
      launchRole,
      { action: 'iam:DeleteRolePermissionsBoundary', resource: alphaRole },
      'ExplicitlyDenied',
    );
    await expectDecision(launchRole, { action: 'iam:CreatePolicyVersion', resource: boundaryArn }, 'ExplicitlyDenied');
  });
  test('passes project roles only to the services the product configures', async () => {
    await expectDecision(
      launchRole,
      {
        action: 'iam:PassRole',
        resource: alphaRole,
        context: { 'iam:PassedToService': 'servicecatalog.amazonaws.com' },
      },
      'Allowed',
    );
    await expectDecision(
      launchRole,
      { action: 'iam:PassRole', resource: alphaRole, context: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
      'ImplicitlyDenied',
    );
  });
  test('manages a key only where its own policy says so: a system tag on another key grants nothing', async () => {
    const key = arn('kms', 'key/1234');
    // GIVEN a key that is not a project key (its policy only delegates to the account), tagged like ours
    for (const action of ['kms:PutKeyPolicy', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion']) {
      await expectDecision(
        launchRole,
        {
          action,
          resource: key,
          resourcePolicy: keyPolicy,
          context: { [`aws:ResourceTag/${TAG_KEYS.system}`]: TEST_NAMES.prefix },
        },
        'ImplicitlyDenied',
      );
    }
    await expectDecision(
      launchRole,
      { action: 'kms:CreateKey', resource: '*', context: { [`aws:RequestTag/${TAG_KEYS.system}`]: TEST_NAMES.prefix } },
      'Allowed',
    );
    await expectDecision(launchRole, { action: 'kms:CreateKey', resource: '*' }, 'ImplicitlyDenied');
  });
  test("configures project buckets but not the platform's own", async () => {
    await expectDecision(
      launchRole,
      { action: 's3:PutBucketPolicy', resource: `arn:aws:s3:::${projectNamed('alpha', 'dev', 'data-111122223333')}` },
      'Allowed',
    );
    await expectDecision(
      launchRole,
      { action: 's3:PutBucketPolicy', resource: `arn:aws:s3:::${synthesized.config.assetBucketName}` },
      'ImplicitlyDenied',
    );
    await expectDecision(
      launchRole,
      {
        action: 's3:PutBucketPolicy',
        resource: `arn:aws:s3:::${TEST_NAMES.prefix}-admin-portfolio-accesslogsbucket-abc`,
      },
      'ImplicitlyDenied',
    );
  });
  test('can tag what it creates (launches break without it)', async () => {
    await expectDecision(
      launchRole,
      {
        action: 'sagemaker:AddTags',
        resource: arn('sagemaker', `notebook-instance-lifecycle-config/${projectNamed('alpha', 'dev', 'lifecycle')}`),
      },
      'Allowed',
    );
    await expectDecision(launchRole, { action: 'ec2:CreateTags', resource: arn('ec2', 'vpc/vpc-1') }, 'Allowed');
    await expectDecision(launchRole, { action: 'iam:TagRole', resource: alphaRole }, 'Allowed');
  });
  test('cannot open a path to the internet', async () => {
    await expectDecision(launchRole, { action: 'ec2:CreateInternetGateway', resource: '*' }, 'ExplicitlyDenied');
    await expectDecision(launchRole, { action: 'ec2:CreateNatGateway', resource: '*' }, 'ExplicitlyDenied');
  });
  test('reads the nested product templates in the asset bucket', async () => {
    await expectDecision(
      launchRole,
      { action: 's3:GetObject', resource: `arn:aws:s3:::${synthesized.config.assetBucketName}/abc.json` },
      'Allowed',
    );
  });
});

describe('Project permissions boundary', () => {
  // A project role whose identity policy allows everything: only the boundary limits it.
  const unbounded: Principal = {
    arn: alphaRole,
    identityPolicies: [
      {
        name: 'everything',
        policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
      },
    ],
  };
  const bounded: Principal = { ...unbounded, boundary };

  test('lets SageMaker jobs run inside a VPC', async () => {
    await expectDecision(
      bounded,
      {
        action: 'sagemaker:CreateTrainingJob',
        resource: arn('sagemaker', 'training-job/t1'),
        context: { 'sagemaker:VpcSubnets': ['subnet-1'] },
      },
      'Allowed',
    );
  });
  test('refuses SageMaker jobs, models and notebooks without a VPC', async () => {
    for (const resource of ['training-job/t1', 'processing-job/p1', 'model/m1', 'notebook-instance/n1']) {
      const action = {
        'training-job': 'CreateTrainingJob',
        'processing-job': 'CreateProcessingJob',
        model: 'CreateModel',
        'notebook-instance': 'CreateNotebookInstance',
      }[resource.split('/')[0]]!;
      await expectDecision(
        bounded,
        { action: `sagemaker:${action}`, resource: arn('sagemaker', resource) },
        'ExplicitlyDenied',
      );
    }
  });
  test('refuses notebooks with root or direct internet access, each on its own or left to the default', async () => {
    const vpc = { 'sagemaker:VpcSubnets': ['subnet-1'] };
    const create = (settings: Record<string, string>) => ({
      action: 'sagemaker:CreateNotebookInstance',
      resource: arn('sagemaker', 'notebook-instance/n1'),
      context: { ...vpc, ...settings },
    });
    // Either one enabled while the other is disabled was allowed when the two conditions were ANDed.
    const refused: Record<string, string>[] = [
      { 'sagemaker:RootAccess': 'Enabled', 'sagemaker:DirectInternetAccess': 'Disabled' },
      { 'sagemaker:RootAccess': 'Disabled', 'sagemaker:DirectInternetAccess': 'Enabled' },
      { 'sagemaker:RootAccess': 'Enabled', 'sagemaker:DirectInternetAccess': 'Enabled' },
      // SageMaker enables both when the request omits them.
      { 'sagemaker:RootAccess': 'Disabled' },
      { 'sagemaker:DirectInternetAccess': 'Disabled' },
      {},
    ];
    for (const settings of refused) {
      await expectDecision(bounded, create(settings), 'ExplicitlyDenied');
    }
    await expectDecision(
      bounded,
      create({ 'sagemaker:RootAccess': 'Disabled', 'sagemaker:DirectInternetAccess': 'Disabled' }),
      'Allowed',
    );
    const update = (context: Record<string, string>) => ({
      action: 'sagemaker:UpdateNotebookInstance',
      resource: arn('sagemaker', 'notebook-instance/n1'),
      context,
    });
    await expectDecision(bounded, update({ 'sagemaker:RootAccess': 'Enabled' }), 'ExplicitlyDenied');
    await expectDecision(bounded, update({ 'sagemaker:RootAccess': 'Disabled' }), 'Allowed');
    await expectDecision(bounded, update({}), 'Allowed');
  });
  test('attaches only project policies to project roles: never AdministratorAccess or the boundary itself', async () => {
    const attach = (policyArn: string) => ({
      action: 'iam:AttachRolePolicy',
      resource: alphaRole,
      context: { 'iam:PolicyARN': policyArn },
    });
    await expectDecision(
      bounded,
      attach(`arn:aws:iam::${ACCOUNT}:policy/${projectNamed('alpha', 'dev', 'sagemaker')}`),
      'Allowed',
    );
    for (const denied of [
      'arn:aws:iam::aws:policy/AdministratorAccess',
      boundaryArn,
      `arn:aws:iam::${ACCOUNT}:policy/${TEST_NAMES.prefix}-environment-launch-catalog`,
      `arn:aws:iam::444455556666:policy/${projectNamed('alpha', 'dev', 'sagemaker')}`,
    ]) {
      await expectDecision(bounded, attach(denied), 'ExplicitlyDenied');
    }
    await expectDecision(
      bounded,
      { action: 'iam:CreatePolicy', resource: `arn:aws:iam::${ACCOUNT}:policy/${TEST_NAMES.projectNamespace}x` },
      'ExplicitlyDenied',
    );
  });
  test('caps privilege: no managed policies, no boundary removal, no key deletion, no lost data', async () => {
    await expectDecision(bounded, { action: 'iam:AttachRolePolicy', resource: alphaRole }, 'ExplicitlyDenied');
    await expectDecision(
      bounded,
      { action: 'iam:DeleteRolePermissionsBoundary', resource: alphaRole },
      'ExplicitlyDenied',
    );
    await expectDecision(
      bounded,
      { action: 'iam:CreateRole', resource: `arn:aws:iam::${ACCOUNT}:role/${projectNamed('alpha', 'dev', 'x')}` },
      'ImplicitlyDenied',
    );
    await expectDecision(
      bounded,
      { action: 'kms:ScheduleKeyDeletion', resource: arn('kms', 'key/1'), resourcePolicy: keyPolicy },
      'ImplicitlyDenied',
    );
    await expectDecision(
      bounded,
      {
        action: 's3:DeleteObjectVersion',
        resource: `arn:aws:s3:::${projectNamed('alpha', 'dev', 'data-111122223333')}/x`,
      },
      'ImplicitlyDenied',
    );
    await expectDecision(bounded, { action: 'ec2:CreateInternetGateway', resource: '*' }, 'ExplicitlyDenied');
  });
  test('fails when the no-VPC deny is dropped: the suite catches the regression', async () => {
    const weakened: Principal = {
      ...bounded,
      boundary: { ...boundary, Statement: boundary.Statement.filter((s) => s.Sid !== 'DenyNoVpc') },
    };
    await expectDecision(
      weakened,
      { action: 'sagemaker:CreateTrainingJob', resource: arn('sagemaker', 'training-job/t1') },
      'Allowed',
    );
  });
});
