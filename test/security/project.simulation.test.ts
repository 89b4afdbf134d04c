import { TAG_KEYS } from '../../lib/config/names';
import { expectDecision, PolicyDocument, Principal, scenario } from '../helpers/iam';
import { ACCOUNT, launchNotebook, launchProject, REGION, userTrust, variantPlatform } from '../helpers/projects';
import { synthesize } from '../helpers/synth';
import { resolve, resourceExists } from '../helpers/intrinsics';
import { wildcardRegExp } from '../../scripts/preflight/wildcard';
import { TEST_NAMES, projectNamed } from '../helpers/names';

const synthesized = synthesize();
const alpha = launchProject(synthesized, 'alpha');
const beta = launchProject(synthesized, 'beta');

/** Request context of a call made with TLS, directly (not by an AWS service on the caller's behalf). */
const direct = (extra: Record<string, string | string[]> = {}) => ({
  'aws:SecureTransport': 'true',
  'aws:ViaAWSService': 'false',
  ...extra,
});
const object = (bucket: string, key = 'raw/credit.csv') => `arn:aws:s3:::${bucket}/${key}`;
const sagemaker = (resource: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${resource}`;

const dataRequest = (
  project: typeof alpha,
  bucket: string,
  action: string,
  context: Record<string, string | string[]>,
) => ({
  action,
  resource: action === 's3:ListBucket' ? `arn:aws:s3:::${bucket}` : object(bucket),
  resourcePolicy: (project === alpha ? alpha : beta).bucketPolicy(bucket),
  context,
});

describe('data: project buckets answer only through their own project network', () => {
  for (const [p, other] of [
    [alpha, beta],
    [beta, alpha],
  ] as const) {
    const viaOwn = direct({ 'aws:SourceVpce': p.s3EndpointId });
    scenario(
      `${p.name} user reads ${p.name} data through ${p.name}'s S3 endpoint`,
      () => p.user,
      () => dataRequest(p, p.dataBucket, 's3:GetObject', viaOwn),
      'Allowed',
    );
    scenario(
      `${p.name} user writes ${p.name} models through ${p.name}'s S3 endpoint`,
      () => p.user,
      () => dataRequest(p, p.modelBucket, 's3:PutObject', viaOwn),
      'Allowed',
    );
    scenario(
      `${p.name} user lists ${p.name} data through ${p.name}'s S3 endpoint`,
      () => p.user,
      () => dataRequest(p, p.dataBucket, 's3:ListBucket', viaOwn),
      'Allowed',
    );
    scenario(
      `${p.name} user cannot read ${p.name} data from outside any VPC`,
      () => p.user,
      () => dataRequest(p, p.dataBucket, 's3:GetObject', direct()),
      'ExplicitlyDenied',
    );
    scenario(
      `${p.name} user cannot read ${p.name} data through ${other.name}'s endpoint`,
      () => p.user,
      () => dataRequest(p, p.dataBucket, 's3:GetObject', direct({ 'aws:SourceVpce': other.s3EndpointId })),
      'ExplicitlyDenied',
    );
    scenario(
      `${p.name} user cannot read ${p.name} data over plain HTTP`,
      () => p.user,
      () => dataRequest(p, p.dataBucket, 's3:GetObject', { ...viaOwn, 'aws:SecureTransport': 'false' }),
      'ExplicitlyDenied',
    );
    scenario(
      `${p.name} user cannot read ${other.name}'s data, even through ${other.name}'s endpoint`,
      () => p.user,
      () => dataRequest(other, other.dataBucket, 's3:GetObject', direct({ 'aws:SourceVpce': other.s3EndpointId })),
      'Denied',
    );
  }
  scenario(
    'alpha admin uploads data from a workstation (the one write-only exception)',
    () => alpha.admin,
    () => dataRequest(alpha, alpha.dataBucket, 's3:PutObject', direct()),
    'Allowed',
  );
  scenario(
    'alpha admin cannot read it back from the workstation',
    () => alpha.admin,
    () => dataRequest(alpha, alpha.dataBucket, 's3:GetObject', direct()),
    'ExplicitlyDenied',
  );
  scenario(
    'alpha user cannot upload from outside the network (only the admin may)',
    () => alpha.user,
    () => dataRequest(alpha, alpha.dataBucket, 's3:PutObject', direct()),
    'ExplicitlyDenied',
  );
});

describe('endpoints: the project S3 endpoint is no exfiltration path', () => {
  const throughAlpha = (bucketObject: string) => ({
    action: 's3:PutObject',
    resource: bucketObject,
    vpcEndpointPolicy: alpha.s3EndpointPolicy,
    context: direct({ 'aws:SourceVpce': alpha.s3EndpointId }),
  });
  // A bucket policy open to everyone, so only the endpoint policy can refuse.
  const openBucket: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:*', Resource: '*' }],
  };
  const everything: Principal = {
    arn: `arn:aws:iam::${ACCOUNT}:role/${projectNamed('alpha', 'dev', 'nb-jane')}`,
    identityPolicies: [
      { name: 'all', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } },
    ],
  };
  scenario(
    'alpha user writes alpha data through the alpha S3 endpoint (endpoint policy and bucket policy)',
    () => alpha.user,
    () => ({ ...throughAlpha(object(alpha.dataBucket)), resourcePolicy: alpha.bucketPolicy(alpha.dataBucket) }),
    'Allowed',
  );
  scenario(
    'even an all-powerful project role cannot copy data to another bucket through the alpha endpoint',
    () => everything,
    () => ({
      ...throughAlpha('arn:aws:s3:::exfiltration-bucket/loot.csv'),
      resourcePolicy: openBucket,
      resourceAccount: '999988887777',
    }),
    'Denied',
  );
  scenario(
    "the alpha endpoint does not reach beta's buckets",
    () => everything,
    () => throughAlpha(object(beta.dataBucket)),
    'Denied',
  );
  scenario(
    'the alpha endpoint refuses principals of another account',
    () => ({ ...everything, arn: 'arn:aws:iam::999988887777:role/intruder' }),
    () => ({ ...throughAlpha(object(alpha.dataBucket)), resourcePolicy: openBucket, resourceAccount: ACCOUNT }),
    'Denied',
  );
});

describe('keys: the project key is used through AWS services by the project only', () => {
  const keyRequest = (project: typeof alpha, context: Record<string, string | string[]>) => ({
    action: 'kms:Decrypt',
    resource: project.keyArn,
    resourcePolicy: project.keyPolicy,
    context,
  });
  const viaS3 = { 'kms:ViaService': `s3.${REGION}.amazonaws.com` };
  scenario(
    'alpha user decrypts alpha data through S3',
    () => alpha.user,
    () => keyRequest(alpha, viaS3),
    'Allowed',
  );
  scenario(
    'alpha user decrypts alpha volumes through SageMaker',
    () => alpha.user,
    () => keyRequest(alpha, { 'kms:ViaService': `sagemaker.${REGION}.amazonaws.com` }),
    'Allowed',
  );
  scenario(
    'alpha user cannot call KMS directly with the alpha key (no service in between)',
    () => alpha.user,
    () => keyRequest(alpha, {}),
    'Denied',
  );
  scenario(
    "beta user cannot use alpha's key, even through S3",
    () => beta.user,
    () => keyRequest(alpha, viaS3),
    'Denied',
  );
  scenario(
    'alpha admin reads the settings of the alpha key',
    () => alpha.admin,
    () => ({ action: 'kms:GetKeyPolicy', resource: alpha.keyArn, resourcePolicy: alpha.keyPolicy }),
    'Allowed',
  );
  scenario(
    "alpha admin cannot read beta's key settings",
    () => alpha.admin,
    () => ({ action: 'kms:GetKeyPolicy', resource: beta.keyArn, resourcePolicy: beta.keyPolicy }),
    'Denied',
  );
  scenario(
    'nobody in the project can schedule the key for deletion',
    () => alpha.admin,
    () => ({ action: 'kms:ScheduleKeyDeletion', resource: alpha.keyArn, resourcePolicy: alpha.keyPolicy }),
    'Denied',
  );
});

describe('SageMaker: work runs only in the project network, with the project key and tags', () => {
  const training = (p: typeof alpha, overrides: Record<string, string | string[] | undefined> = {}) => {
    const context: Record<string, string | string[]> = {};
    const base: Record<string, string | string[] | undefined> = {
      'sagemaker:VpcSubnets': p.subnetIds,
      'sagemaker:VpcSecurityGroupIds': [p.securityGroupId],
      'sagemaker:VolumeKmsKeyArn': p.keyArn,
      'sagemaker:OutputKmsKeyArn': p.keyArn,
      [`aws:RequestTag/${TAG_KEYS.projectName}`]: p.name,
      [`aws:RequestTag/${TAG_KEYS.environmentType}`]: 'dev',
      ...overrides,
    };
    for (const [k, v] of Object.entries(base)) if (v !== undefined) context[k] = v;
    return { action: 'sagemaker:CreateTrainingJob', resource: sagemaker('training-job/t1'), context };
  };
  scenario(
    'alpha user starts a training job in alpha subnets with the alpha key',
    () => alpha.user,
    () => training(alpha),
    'Allowed',
  );
  scenario(
    'alpha user cannot start a training job without a VPC',
    () => alpha.user,
    () => training(alpha, { 'sagemaker:VpcSubnets': undefined, 'sagemaker:VpcSecurityGroupIds': undefined }),
    'ExplicitlyDenied',
  );
  scenario(
    "alpha user cannot start a training job in beta's subnets",
    () => alpha.user,
    () => training(alpha, { 'sagemaker:VpcSubnets': beta.subnetIds }),
    'Denied',
  );
  scenario(
    "alpha user cannot start a training job with beta's security group",
    () => alpha.user,
    () => training(alpha, { 'sagemaker:VpcSecurityGroupIds': [beta.securityGroupId] }),
    'Denied',
  );
  scenario(
    'alpha user cannot start a training job without a volume key',
    () => alpha.user,
    () => training(alpha, { 'sagemaker:VolumeKmsKeyArn': undefined }),
    'ExplicitlyDenied',
  );
  scenario(
    'alpha user trains on a GPU instance with instance storage only, without a volume key',
    () => alpha.user,
    () => training(alpha, { 'sagemaker:VolumeKmsKeyArn': undefined, 'sagemaker:InstanceTypes': ['ml.g5.2xlarge'] }),
    'Allowed',
  );
  scenario(
    'alpha user cannot train on a CPU instance without a volume key',
    () => alpha.user,
    () => training(alpha, { 'sagemaker:VolumeKmsKeyArn': undefined, 'sagemaker:InstanceTypes': ['ml.m5.xlarge'] }),
    'ExplicitlyDenied',
  );
  scenario(
    'alpha user cannot slip an EBS instance without a volume key into a GPU cluster',
    () => alpha.user,
    () =>
      training(alpha, {
        'sagemaker:VolumeKmsKeyArn': undefined,
        'sagemaker:InstanceTypes': ['ml.g5.2xlarge', 'ml.m5.xlarge'],
      }),
    'ExplicitlyDenied',
  );
  scenario(
    "alpha user cannot train on a GPU instance with beta's volume key",
    () => alpha.user,
    () => training(alpha, { 'sagemaker:VolumeKmsKeyArn': beta.keyArn, 'sagemaker:InstanceTypes': ['ml.g5.2xlarge'] }),
    'ExplicitlyDenied',
  );
  scenario(
    'alpha user serves an alpha model on a GPU endpoint with instance storage only',
    () => alpha.user,
    () => ({
      action: 'sagemaker:CreateEndpointConfig',
      resource: sagemaker('endpoint-config/gpu'),
      context: {
        [`aws:RequestTag/${TAG_KEYS.projectName}`]: 'alpha',
        [`aws:RequestTag/${TAG_KEYS.environmentType}`]: 'dev',
        'sagemaker:ModelArn': [sagemaker(`model/${projectNamed('alpha', 'dev', 'm')}`)],
        'sagemaker:InstanceTypes': ['ml.g5.xlarge'],
      },
    }),
    'Allowed',
  );
  scenario(
    'alpha user cannot serve on a CPU endpoint without a volume key',
    () => alpha.user,
    () => ({
      action: 'sagemaker:CreateEndpointConfig',
      resource: sagemaker('endpoint-config/cpu'),
      context: {
        [`aws:RequestTag/${TAG_KEYS.projectName}`]: 'alpha',
        [`aws:RequestTag/${TAG_KEYS.environmentType}`]: 'dev',
        'sagemaker:ModelArn': [sagemaker(`model/${projectNamed('alpha', 'dev', 'm')}`)],
        'sagemaker:InstanceTypes': ['ml.m5.xlarge'],
      },
    }),
    'Denied',
  );
  scenario(
    'alpha user cannot start a training job with an output key other than the project key',
    () => alpha.user,
    () => training(alpha, { 'sagemaker:OutputKmsKeyArn': beta.keyArn }),
    'ExplicitlyDenied',
  );
  scenario(
    'alpha user cannot start a training job tagged for another project',
    () => alpha.user,
    () => training(alpha, { [`aws:RequestTag/${TAG_KEYS.projectName}`]: 'beta' }),
    'Denied',
  );
  scenario(
    'alpha user cannot create a model outside a VPC',
    () => alpha.user,
    () => ({
      action: 'sagemaker:CreateModel',
      resource: sagemaker('model/m1'),
      context: { [`aws:RequestTag/${TAG_KEYS.projectName}`]: 'alpha' },
    }),
    'ExplicitlyDenied',
  );
  scenario(
    'alpha user cannot create a notebook directly (only through the catalog)',
    () => alpha.user,
    () => ({
      action: 'sagemaker:CreateNotebookInstance',
      resource: sagemaker('notebook-instance/n1'),
      context: {
        'sagemaker:VpcSubnets': alpha.subnetIds,
        'sagemaker:RootAccess': 'Disabled',
        'sagemaker:DirectInternetAccess': 'Disabled',
      },
    }),
    'Denied',
  );
  scenario(
    'alpha user stops an alpha training job',
    () => alpha.user,
    () => ({
      action: 'sagemaker:StopTrainingJob',
      resource: sagemaker('training-job/t1'),
      context: {
        [`aws:ResourceTag/${TAG_KEYS.projectName}`]: 'alpha',
        [`aws:ResourceTag/${TAG_KEYS.environmentType}`]: 'dev',
      },
    }),
    'Allowed',
  );
  scenario(
    "alpha user cannot stop beta's training job",
    () => alpha.user,
    () => ({
      action: 'sagemaker:StopTrainingJob',
      resource: sagemaker('training-job/t2'),
      context: {
        [`aws:ResourceTag/${TAG_KEYS.projectName}`]: 'beta',
        [`aws:ResourceTag/${TAG_KEYS.environmentType}`]: 'dev',
      },
    }),
    'Denied',
  );
  scenario(
    "alpha user cannot re-tag beta's endpoint into alpha",
    () => alpha.user,
    () => ({
      action: 'sagemaker:AddTags',
      resource: sagemaker('endpoint/e2'),
      context: {
        [`aws:RequestTag/${TAG_KEYS.projectName}`]: 'alpha',
        [`aws:ResourceTag/${TAG_KEYS.projectName}`]: 'beta',
      },
    }),
    'ExplicitlyDenied',
  );
  // Tags are the keys to tag-scoped rights: set at create only, never afterwards.
  const tagging = (context: Record<string, string | string[]>, action = 'sagemaker:AddTags') => ({
    action,
    resource: sagemaker('training-job/t9'),
    context,
  });
  const projectTags = (env = 'dev') => ({
    [`aws:RequestTag/${TAG_KEYS.projectName}`]: 'alpha',
    [`aws:RequestTag/${TAG_KEYS.environmentType}`]: env,
    'aws:TagKeys': [TAG_KEYS.projectName, TAG_KEYS.environmentType],
  });
  scenario(
    'alpha user tags a training job as alpha while creating it',
    () => alpha.user,
    () => tagging({ ...projectTags(), 'sagemaker:TaggingAction': 'CreateTrainingJob' }),
    'Allowed',
  );
  scenario(
    'alpha user cannot claim an untagged resource by tagging it alpha afterwards',
    () => alpha.user,
    () => tagging(projectTags()),
    'ExplicitlyDenied',
  );
  scenario(
    'alpha user cannot move an alpha dev resource to prod by re-tagging it',
    () => alpha.user,
    () =>
      tagging({
        ...projectTags('prod'),
        'sagemaker:TaggingAction': 'AddTags',
        [`aws:ResourceTag/${TAG_KEYS.projectName}`]: 'alpha',
        [`aws:ResourceTag/${TAG_KEYS.environmentType}`]: 'dev',
      }),
    'ExplicitlyDenied',
  );
  scenario(
    'alpha user cannot remove the project tag of an alpha resource',
    () => alpha.user,
    () =>
      tagging(
        {
          'aws:TagKeys': [TAG_KEYS.projectName],
          [`aws:ResourceTag/${TAG_KEYS.projectName}`]: 'alpha',
          [`aws:ResourceTag/${TAG_KEYS.environmentType}`]: 'dev',
        },
        'sagemaker:DeleteTags',
      ),
    'ExplicitlyDenied',
  );
  scenario(
    'alpha user cannot claim a resource with lower-case tag keys (condition keys ignore case, tag keys do not)',
    () => alpha.user,
    () =>
      tagging({
        'aws:RequestTag/projectname': 'alpha',
        'aws:RequestTag/environmenttype': 'dev',
        'aws:TagKeys': ['projectname', 'environmenttype'],
        'sagemaker:TaggingAction': 'AddTags',
      }),
    'ExplicitlyDenied',
  );
  scenario(
    'alpha dev user cannot create a training job tagged as alpha prod',
    () => alpha.user,
    () => training(alpha, { [`aws:RequestTag/${TAG_KEYS.environmentType}`]: 'prod' }),
    'Denied',
  );
  scenario(
    'alpha user opens alpha notebooks',
    () => alpha.user,
    () => ({
      action: 'sagemaker:CreatePresignedNotebookInstanceUrl',
      resource: sagemaker(`notebook-instance/${projectNamed('alpha', 'dev', 'jane')}`),
      context: {
        [`aws:ResourceTag/${TAG_KEYS.projectName}`]: 'alpha',
        [`aws:ResourceTag/${TAG_KEYS.environmentType}`]: 'dev',
      },
    }),
    'Allowed',
  );
  scenario(
    "alpha user cannot open beta's notebooks",
    () => alpha.user,
    () => ({
      action: 'sagemaker:CreatePresignedNotebookInstanceUrl',
      resource: sagemaker(`notebook-instance/${projectNamed('beta', 'dev', 'joe')}`),
      context: {
        [`aws:ResourceTag/${TAG_KEYS.projectName}`]: 'beta',
        [`aws:ResourceTag/${TAG_KEYS.environmentType}`]: 'dev',
      },
    }),
    'Denied',
  );
});

describe("SageMaker across projects: another project's work is neither read, used nor changed", () => {
  const tagged = (project: string, env = 'dev') => ({
    [`aws:ResourceTag/${TAG_KEYS.projectName}`]: project,
    [`aws:ResourceTag/${TAG_KEYS.environmentType}`]: env,
  });
  const asProject = (p: typeof alpha) => ({
    [`aws:RequestTag/${TAG_KEYS.projectName}`]: p.name,
    [`aws:RequestTag/${TAG_KEYS.environmentType}`]: 'dev',
  });
  const call =
    (action: string, resource: string, context: Record<string, string | string[]> = {}) =>
    () => ({
      action: `sagemaker:${action}`,
      resource: resource === '*' ? '*' : sagemaker(resource),
      context,
    });
  const endpointConfig = (p: typeof alpha, model: string) =>
    call('CreateEndpointConfig', 'endpoint-config/credit', {
      ...asProject(p),
      'sagemaker:VolumeKmsKeyArn': p.keyArn,
      'sagemaker:ModelArn': [sagemaker(`model/${model}`)],
    });

  scenario(
    'alpha user describes an alpha training job',
    () => alpha.user,
    call('DescribeTrainingJob', 'training-job/t1', tagged('alpha')),
    'Allowed',
  );
  scenario(
    "beta user cannot describe alpha's training job",
    () => beta.user,
    call('DescribeTrainingJob', 'training-job/t1', tagged('alpha')),
    'Denied',
  );
  scenario(
    "beta user cannot read alpha's model (its image, data and role)",
    () => beta.user,
    call('DescribeModel', `model/${projectNamed('alpha', 'dev', 'm')}`, tagged('alpha')),
    'Denied',
  );
  scenario(
    "alpha dev user cannot describe alpha prod's endpoint",
    () => alpha.user,
    call('DescribeEndpoint', 'endpoint/e', tagged('alpha', 'prod')),
    'Denied',
  );
  scenario(
    'alpha user asking for a job that does not exist gets "not found", not a refusal',
    () => alpha.user,
    call('DescribeTrainingJob', 'training-job/none'),
    'Allowed',
  );

  scenario(
    'alpha user creates an experiment tagged as alpha',
    () => alpha.user,
    call('CreateExperiment', 'experiment/e1', asProject(alpha)),
    'Allowed',
  );
  scenario(
    'alpha user cannot create an experiment without the project tags',
    () => alpha.user,
    call('CreateExperiment', 'experiment/e1'),
    'Denied',
  );
  scenario(
    "beta user cannot update alpha's trial component",
    () => beta.user,
    call('UpdateTrialComponent', 'experiment-trial-component/tc1', tagged('alpha')),
    'ExplicitlyDenied',
  );
  scenario(
    "beta user cannot log metrics into alpha's run",
    () => beta.user,
    call('BatchPutMetrics', 'experiment-trial-component/tc1', tagged('alpha')),
    'ExplicitlyDenied',
  );
  scenario(
    "beta user cannot add a trial to alpha's experiment",
    () => beta.user,
    call('CreateTrial', 'experiment/e1', { ...asProject(beta), ...tagged('alpha') }),
    'ExplicitlyDenied',
  );
  scenario(
    "beta user cannot associate alpha's trial component with its own trial",
    () => beta.user,
    call('AssociateTrialComponent', 'experiment-trial-component/tc1', tagged('alpha')),
    'ExplicitlyDenied',
  );

  scenario(
    'alpha user creates a model named for alpha',
    () => alpha.user,
    call('CreateModel', `model/${projectNamed('alpha', 'dev', 'credit')}`, {
      ...asProject(alpha),
      'sagemaker:VpcSubnets': alpha.subnetIds,
      'sagemaker:VpcSecurityGroupIds': [alpha.securityGroupId],
    }),
    'Allowed',
  );
  scenario(
    'alpha user cannot create a model without the project name prefix',
    () => alpha.user,
    call('CreateModel', 'model/credit', {
      ...asProject(alpha),
      'sagemaker:VpcSubnets': alpha.subnetIds,
      'sagemaker:VpcSecurityGroupIds': [alpha.securityGroupId],
    }),
    'ExplicitlyDenied',
  );
  scenario(
    'alpha user serves an alpha model',
    () => alpha.user,
    endpointConfig(alpha, `${projectNamed('alpha', 'dev', 'credit')}`),
    'Allowed',
  );
  scenario(
    "beta user cannot serve alpha's model from its own endpoint configuration",
    () => beta.user,
    endpointConfig(beta, `${projectNamed('alpha', 'dev', 'credit')}`),
    'Denied',
  );
  scenario(
    'beta user cannot serve a model named outside any project',
    () => beta.user,
    endpointConfig(beta, 'credit'),
    'Denied',
  );
  scenario(
    'beta user creates an endpoint from its own endpoint configuration',
    () => beta.user,
    call('CreateEndpoint', 'endpoint-config/c1', { ...asProject(beta), ...tagged('beta') }),
    'Allowed',
  );
  scenario(
    "beta user cannot create an endpoint from alpha's endpoint configuration",
    () => beta.user,
    call('CreateEndpoint', 'endpoint-config/c1', { ...asProject(beta), ...tagged('alpha') }),
    'Denied',
  );
  scenario(
    "beta user cannot point its endpoint at alpha's endpoint configuration",
    () => beta.user,
    call('UpdateEndpoint', 'endpoint-config/c1', tagged('alpha')),
    'Denied',
  );

  const notebook = launchNotebook(synthesized, alpha, 'jane');
  scenario(
    "alpha notebook searches experiments inside alpha's network",
    () => notebook,
    call('Search', '*', { 'aws:SourceVpc': alpha.vpcId }),
    'Allowed',
  );
  scenario(
    'a stolen alpha notebook credential cannot search SageMaker records from outside the network',
    () => notebook,
    call('Search', '*', { 'aws:SourceIp': '198.51.100.9' }),
    'ExplicitlyDenied',
  );
});

describe("network interfaces: notebook code cannot use up or remove another project's", () => {
  const notebook = launchNotebook(synthesized, alpha, 'jane');
  const eni = (p: typeof alpha, action: string, resource: string) => () => ({
    action: `ec2:${action}`,
    resource: `arn:aws:ec2:${REGION}:${ACCOUNT}:${resource}`,
    context: { 'ec2:Vpc': `arn:aws:ec2:${REGION}:${ACCOUNT}:vpc/${p.vpcId}` },
  });
  scenario(
    'alpha notebook role attaches an interface in an alpha subnet',
    () => notebook,
    eni(alpha, 'CreateNetworkInterface', `subnet/${alpha.subnetIds[0]}`),
    'Allowed',
  );
  scenario(
    "alpha notebook role cannot create an interface in beta's subnet",
    () => notebook,
    eni(beta, 'CreateNetworkInterface', `subnet/${beta.subnetIds[0]}`),
    'Denied',
  );
  scenario(
    "alpha notebook role cannot delete beta's network interface",
    () => notebook,
    eni(beta, 'DeleteNetworkInterface', 'network-interface/eni-0beta'),
    'Denied',
  );
  scenario(
    'alpha notebook role deletes an interface in the alpha VPC',
    () => notebook,
    eni(alpha, 'DeleteNetworkInterface', 'network-interface/eni-0alpha'),
    'Allowed',
  );
});

describe('off-network paths: the repository and notebooks open only where the design says', () => {
  const git = (p: typeof alpha, context: Record<string, string>) => ({
    action: 'codecommit:GitPull',
    resource: p.repositoryArn,
    context: { 'aws:SecureTransport': 'true', ...context },
  });
  scenario(
    'alpha user pulls the alpha repository from inside the alpha network',
    () => alpha.user,
    () => git(alpha, { 'aws:SourceVpc': alpha.vpcId }),
    'Allowed',
  );
  scenario(
    'alpha user cannot pull the alpha repository onto a laptop',
    () => alpha.user,
    () => git(alpha, {}),
    'Denied',
  );
  scenario(
    "alpha user cannot pull the alpha repository through beta's network",
    () => alpha.user,
    () => git(alpha, { 'aws:SourceVpc': beta.vpcId }),
    'Denied',
  );
  scenario(
    'alpha user cannot push to the alpha repository from outside the network',
    () => alpha.user,
    () => ({ ...git(alpha, {}), action: 'codecommit:GitPush' }),
    'Denied',
  );

  describe('with consoleSourceCidrs set, notebooks open only from those networks', () => {
    const restricted = launchProject(variantPlatform(), 'alpha');
    const open = (sourceIp: string) => ({
      action: 'sagemaker:CreatePresignedNotebookInstanceUrl',
      resource: sagemaker(`notebook-instance/${projectNamed('alpha', 'dev', 'jane')}`),
      context: {
        'aws:SourceIp': sourceIp,
        [`aws:ResourceTag/${TAG_KEYS.projectName}`]: 'alpha',
        [`aws:ResourceTag/${TAG_KEYS.environmentType}`]: 'dev',
      },
    });
    scenario(
      'alpha user opens a notebook from the corporate network',
      () => restricted.user,
      () => open('203.0.113.9'),
      'Allowed',
    );
    scenario(
      'alpha user cannot open a notebook from another network (a stolen session elsewhere)',
      () => restricted.user,
      () => open('198.51.100.9'),
      'Denied',
    );
  });
});

describe('read-back: what project code wrote leaves only through the project network', () => {
  const notebook = launchNotebook(synthesized, alpha, 'jane');
  const logs = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/sagemaker/TrainingJobs:log-stream:t1/algo-1`;
  const readLogs = (context: Record<string, string>) => ({ action: 'logs:GetLogEvents', resource: logs, context });
  scenario(
    "alpha notebook role reads training logs inside alpha's network",
    () => notebook,
    () => readLogs({ 'aws:SourceVpc': alpha.vpcId }),
    'Allowed',
  );
  scenario(
    'a stolen alpha notebook credential cannot read logs from outside the network',
    () => notebook,
    () => readLogs({ 'aws:SourceIp': '198.51.100.9' }),
    'ExplicitlyDenied',
  );
  scenario(
    "a stolen alpha notebook credential cannot invoke alpha's endpoint from outside the network",
    () => notebook,
    () => ({
      action: 'sagemaker:InvokeEndpoint',
      resource: sagemaker('endpoint/credit'),
      context: {
        'aws:SourceIp': '198.51.100.9',
        [`aws:ResourceTag/${TAG_KEYS.projectName}`]: 'alpha',
        [`aws:ResourceTag/${TAG_KEYS.environmentType}`]: 'dev',
      },
    }),
    'ExplicitlyDenied',
  );
  describe('with consoleSourceCidrs set, people read back only from those networks or the project VPC', () => {
    const restricted = launchProject(variantPlatform(), 'alpha');
    scenario(
      'alpha user reads training logs from the corporate network',
      () => restricted.user,
      () => readLogs({ 'aws:SourceIp': '203.0.113.9' }),
      'Allowed',
    );
    scenario(
      'alpha user cannot read training logs from another network',
      () => restricted.user,
      () => readLogs({ 'aws:SourceIp': '198.51.100.9' }),
      'ExplicitlyDenied',
    );
  });
});

describe('privilege: roles pass only project roles, only to SageMaker', () => {
  const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
  scenario(
    'alpha user passes an alpha notebook role to SageMaker',
    () => alpha.user,
    () => ({
      action: 'iam:PassRole',
      resource: role(`${projectNamed('alpha', 'dev', 'nb-jane')}`),
      context: {
        'iam:PassedToService': 'sagemaker.amazonaws.com',
        [`aws:ResourceTag/${TAG_KEYS.projectName}`]: 'alpha',
        [`aws:ResourceTag/${TAG_KEYS.environmentType}`]: 'dev',
      },
    }),
    'Allowed',
  );
  scenario(
    'alpha user cannot pass an alpha role to Lambda',
    () => alpha.user,
    () => ({
      action: 'iam:PassRole',
      resource: role(`${projectNamed('alpha', 'dev', 'nb-jane')}`),
      context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
    }),
    'Denied',
  );
  scenario(
    "alpha user cannot pass beta's roles",
    () => alpha.user,
    () => ({
      action: 'iam:PassRole',
      resource: role(`${projectNamed('beta', 'dev', 'nb-joe')}`),
      context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
    }),
    'Denied',
  );
  scenario(
    'alpha admin cannot create roles or attach policies',
    () => alpha.admin,
    () => ({
      action: 'iam:AttachRolePolicy',
      resource: role(`${projectNamed('alpha', 'dev', 'user')}`),
      context: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' },
    }),
    'ExplicitlyDenied',
  );
});

describe('name neighbours: projects whose names start alike stay apart', () => {
  // "alpha" is a prefix of "alphabet": every name pattern of one must miss every name of the other.
  const alphabet = launchProject(synthesized, 'alphabet');
  const pair = [
    [alpha, alphabet],
    [alphabet, alpha],
  ] as const;

  test("the launch refuses 'alpha-dev-x', whose names would fall under alpha dev's patterns", () => {
    const pattern = new RegExp(String(alpha.template.Parameters?.ProjectName?.AllowedPattern));
    expect('alpha-dev-x').not.toMatch(pattern);
    expect('alphabet').toMatch(pattern);
  });

  test.each(pair.map(([a, b]) => [a.name, b.name, a, b]))(
    "no name pattern in %s's policies matches a name of %s's resources",
    (_a, _b, own, neighbour) => {
      const patterns = [...new Set(policyStrings(own).filter((v) => /[*?]/.test(v) && v.includes(own.name)))];
      // What the neighbour owns: its names, its ARNs, and a concrete instance of each of its own patterns.
      const owned = [
        ...physicalNames(neighbour),
        ...policyStrings(neighbour)
          .filter((v) => v.includes(neighbour.name))
          .map((v) => v.replace(/\*/g, 'x').replace(/\?/g, '0')),
      ];
      expect(patterns.length).toBeGreaterThan(5);
      expect(owned.length).toBeGreaterThan(20);
      const hits = patterns.flatMap((p) => owned.filter((n) => wildcardRegExp(p).test(n)).map((n) => `${p} ~ ${n}`));
      expect(hits).toEqual([]);
    },
  );

  for (const [own, neighbour] of pair) {
    scenario(
      `${neighbour.name} user cannot use ${own.name}'s key, even through S3`,
      () => neighbour.user,
      () => ({
        action: 'kms:Decrypt',
        resource: own.keyArn,
        resourcePolicy: own.keyPolicy,
        context: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` },
      }),
      'Denied',
    );
    scenario(
      `${neighbour.name} user cannot pass ${own.name}'s notebook roles`,
      () => neighbour.user,
      () => ({
        action: 'iam:PassRole',
        resource: `arn:aws:iam::${ACCOUNT}:role/${TEST_NAMES.projectNamespace}${own.name}-dev-nb-jane`,
        context: {
          'iam:PassedToService': 'sagemaker.amazonaws.com',
          [`aws:ResourceTag/${TAG_KEYS.projectName}`]: own.name,
          [`aws:ResourceTag/${TAG_KEYS.environmentType}`]: 'dev',
        },
      }),
      'Denied',
    );
    scenario(
      `${neighbour.name} user cannot read ${own.name} data, even through ${own.name}'s network`,
      () => neighbour.user,
      () => ({
        action: 's3:GetObject',
        resource: object(own.dataBucket),
        resourcePolicy: own.bucketPolicy(own.dataBucket),
        context: direct({ 'aws:SourceVpce': own.s3EndpointId, 'aws:SourceVpc': own.vpcId }),
      }),
      'Denied',
    );
  }
});

/** Every string in a launched project's resolved IAM, key, bucket and endpoint policies. */
function policyStrings(project: typeof alpha): string[] {
  const docs = Object.entries(project.template.Resources)
    .filter(([id]) => resourceExists(project.template, id, project.ctx))
    .map(([, r]) => r.Properties ?? {})
    .flatMap((p) => [
      p.PolicyDocument,
      p.KeyPolicy,
      p.AssumeRolePolicyDocument,
      ...((p.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map((x) => x.PolicyDocument),
    ])
    .filter((d) => d !== undefined)
    .map((d) => resolve(d, project.template, project.ctx));
  const strings: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') strings.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(docs);
  return strings;
}

/** The physical names a launched project gives its resources (roles, policies, buckets, logs, parameters, ...). */
function physicalNames(project: typeof alpha): string[] {
  // Conditional resources (the mirror's TLS name) are off in the default launch.
  const launched = Object.values(project.template.Resources).filter((r) => !r.Condition);
  return launched.flatMap((r) =>
    Object.entries(r.Properties ?? {})
      .filter(([key]) => /Name$/.test(key) && key !== 'DomainName')
      .map(([, value]) => resolve(value, project.template, project.ctx))
      .filter((value): value is string => typeof value === 'string' && value.includes(project.name)),
  );
}

describe('sign-in: federated roles switch in without an MFA flag only when the launch names them', () => {
  const sso = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/${REGION}/AWSReservedSSO_DataScientist_0a1b2c3d4e5f`;
  const ssoPattern = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataScientist_*`;
  const caller = (arn: string): Principal => ({
    arn,
    identityPolicies: [
      {
        name: 'switch',
        policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] },
      },
    ],
  });
  const assume =
    (arns: string, mfa: boolean, session: Record<string, string> = {}) =>
    () => ({
      action: 'sts:AssumeRole',
      resource: `arn:aws:iam::${ACCOUNT}:role/${projectNamed('alpha', 'dev', 'user')}`,
      resourcePolicy: userTrust(alpha, { UserRoleArns: arns }),
      context: { 'aws:MultiFactorAuthPresent': String(mfa), ...session },
    });
  scenario(
    "a data scientist's Identity Center role switches in when the launch names its pattern",
    () => caller(sso),
    assume(ssoPattern, false),
    'Allowed',
  );
  scenario(
    'an unrelated role of the account cannot switch in without MFA, pattern or not',
    () => caller(`arn:aws:iam::${ACCOUNT}:role/ci-deployer`),
    assume(ssoPattern, false),
    'Denied',
  );
  scenario(
    'the Identity Center role cannot switch in when the launch names nobody',
    () => caller(sso),
    assume('', false),
    'Denied',
  );
  scenario(
    'an IAM user of the account with MFA still switches in, in a session named after itself',
    () => caller(`arn:aws:iam::${ACCOUNT}:user/jane`),
    assume('', true, { 'aws:username': 'jane', 'sts:RoleSessionName': 'jane' }),
    'Allowed',
  );
  // The session name is who a Studio profile's owner tag names (aws:userid): an IAM user cannot pick another's.
  scenario(
    "an IAM user of the account with MFA cannot switch in under another person's name",
    () => caller(`arn:aws:iam::${ACCOUNT}:user/jane`),
    assume('', true, { 'aws:username': 'jane', 'sts:RoleSessionName': 'joe' }),
    'Denied',
  );
  // Roles are trusted by name (UserRoleArns), not through the account statement, whose session name they choose.
  scenario(
    'an unnamed role of the account with MFA cannot switch in through the account statement',
    () => caller(`arn:aws:iam::${ACCOUNT}:role/ci-deployer`),
    assume('', true, { 'sts:RoleSessionName': 'ci' }),
    'Denied',
  );
  scenario(
    "a role of another account matching the pattern's name cannot switch in",
    () => caller(sso.replace(ACCOUNT, '444455556666')),
    assume(ssoPattern, false),
    'Denied',
  );

  test('the launch refuses malformed role lists with a clear message', () => {
    const parameter = alpha.template.Parameters?.UserRoleArns as {
      AllowedPattern: string;
      ConstraintDescription: string;
    };
    const pattern = new RegExp(parameter.AllowedPattern);
    for (const good of ['', ssoPattern, `${ssoPattern},arn:aws:iam::${ACCOUNT}:role/DataScience`])
      expect(good).toMatch(pattern);
    for (const bad of [
      '*',
      'arn:aws:iam::*:role/x',
      `arn:aws:iam::${ACCOUNT}:user/jane`,
      `${ssoPattern},`,
      'DataScientist',
    ])
      expect(bad).not.toMatch(pattern);
    expect(parameter.ConstraintDescription).toMatch(/comma-separated role ARNs of this account/);
  });
});

describe("catalog: each project's people use only their own portfolio", () => {
  scenario(
    'alpha user launches alpha notebooks',
    () => alpha.user,
    () => ({ action: 'servicecatalog:ProvisionProduct', resource: alpha.notebookProductArn }),
    'Allowed',
  );
  scenario(
    "alpha user cannot launch beta's notebook product",
    () => alpha.user,
    () => ({ action: 'servicecatalog:ProvisionProduct', resource: beta.notebookProductArn }),
    'Denied',
  );
  scenario(
    'alpha admin manages who may use the alpha portfolio',
    () => alpha.admin,
    () => ({ action: 'servicecatalog:AssociatePrincipalWithPortfolio', resource: alpha.portfolioArn }),
    'Allowed',
  );
  scenario(
    "alpha admin cannot manage beta's portfolio",
    () => alpha.admin,
    () => ({ action: 'servicecatalog:AssociatePrincipalWithPortfolio', resource: beta.portfolioArn }),
    'Denied',
  );
  scenario(
    'alpha user cannot manage the alpha portfolio',
    () => alpha.user,
    () => ({ action: 'servicecatalog:AssociatePrincipalWithPortfolio', resource: alpha.portfolioArn }),
    'Denied',
  );
});

describe('the suite can fail: weakening a policy flips its scenario', () => {
  const withoutStatement = (policy: PolicyDocument, sid: string): PolicyDocument => ({
    ...policy,
    Statement: policy.Statement.filter((s) => s.Sid !== sid),
  });
  test('dropping the network-only deny lets alpha data be read from anywhere', async () => {
    const request = dataRequest(alpha, alpha.dataBucket, 's3:GetObject', direct());
    await expectDecision(
      alpha.user,
      { ...request, resourcePolicy: withoutStatement(request.resourcePolicy, 'DataOnlyThroughProjectNetwork') },
      'Allowed',
    );
  });
  test('inverting the endpoint condition (the 2020 mistake) opens the bucket to every other network', async () => {
    const policy = alpha.bucketPolicy(alpha.dataBucket);
    const inverted: PolicyDocument = {
      ...policy,
      Statement: policy.Statement.map((s) =>
        s.Sid === 'DataOnlyThroughProjectNetwork'
          ? { ...s, Condition: { StringEquals: { 'aws:SourceVpce': alpha.s3EndpointId } } }
          : s,
      ),
    };
    const request = dataRequest(
      alpha,
      alpha.dataBucket,
      's3:GetObject',
      direct({ 'aws:SourceVpce': beta.s3EndpointId }),
    );
    await expectDecision(alpha.user, { ...request, resourcePolicy: inverted }, 'Allowed');
  });
  test('widening the training-job subnets condition lets alpha train in beta subnets', async () => {
    const widened: Principal = {
      ...alpha.user,
      identityPolicies: alpha.user.identityPolicies.map((p) => ({
        ...p,
        policy: {
          ...p.policy,
          Statement: p.policy.Statement.map((s) =>
            s.Sid === 'CreateInProjectNetwork'
              ? { ...s, Condition: { StringEquals: { [`aws:RequestTag/${TAG_KEYS.projectName}`]: 'alpha' } } }
              : s,
          ),
        },
      })),
    };
    await expectDecision(
      widened,
      {
        action: 'sagemaker:CreateTrainingJob',
        resource: sagemaker('training-job/t1'),
        context: {
          'sagemaker:VpcSubnets': beta.subnetIds,
          'sagemaker:VpcSecurityGroupIds': [beta.securityGroupId],
          'sagemaker:VolumeKmsKeyArn': alpha.keyArn,
          'sagemaker:OutputKmsKeyArn': alpha.keyArn,
          [`aws:RequestTag/${TAG_KEYS.projectName}`]: 'alpha',
        },
      },
      'Allowed',
    );
  });
});
