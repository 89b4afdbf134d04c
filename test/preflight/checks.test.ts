import { CfnResource, CfnTemplate } from '../../scripts/preflight/cfn-resolve';
import { crossTemplate } from '../../scripts/preflight/cross-template';
import { dynamicReferences } from '../../scripts/preflight/dynamic-references';
import { iamQuota } from '../../scripts/preflight/iam-quota';
import { lambdaDeploy } from '../../scripts/preflight/lambda-deploy';
import { Assembly } from '../../scripts/preflight/launch';
import { serviceKeyAccess } from '../../scripts/preflight/service-key-access';

const stack = (resources: Record<string, CfnResource>, extra: Partial<CfnTemplate> = {}): Assembly => ({
  templates: { 'S.template.json': { Resources: resources, ...extra } },
});
const root = { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } };
const keyPolicy = (...statements: object[]) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: root, Action: 'kms:*', Resource: '*' }, ...statements],
});
const doc = (resource: unknown, actions: string[] = ['s3:GetObject']) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }],
});

describe('iam-quota', () => {
  const policy = (count: number): Record<string, CfnResource> => ({
    P: {
      Type: 'AWS::IAM::ManagedPolicy',
      Properties: { PolicyDocument: doc(Array.from({ length: count }, (_, i) => `arn:aws:s3:::bucket-${i}/*`)) },
    },
  });

  test('passes a small managed policy', () => {
    expect(iamQuota(stack(policy(10)))).toEqual([]);
  });

  test('fails when a managed policy uses more than 85% of 6,144 characters', () => {
    const findings = iamQuota(stack(policy(230)));
    expect(findings).toEqual([expect.objectContaining({ check: 'iam-quota', subject: 'P' })]);
    expect(findings[0].message).toMatch(/of IAM's 6144/);
  });

  test("fails when a role's inline policies together exceed 85% of 10,240", () => {
    const big = doc(Array.from({ length: 200 }, (_, i) => `arn:aws:s3:::bucket-${i}/*`));
    const findings = iamQuota(
      stack({
        R: {
          Type: 'AWS::IAM::Role',
          Properties: { AssumeRolePolicyDocument: doc('*'), Policies: [{ PolicyName: 'a', PolicyDocument: big }] },
        },
        P: { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'b', Roles: [{ Ref: 'R' }], PolicyDocument: big } },
      }),
    );
    expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/inline policies \(role total\)/)]);
  });

  test('fails when a free-form String parameter cannot be sized', () => {
    const findings = iamQuota({
      templates: {
        'P.product.template.json': { Parameters: { Free: { Type: 'String', Default: 'x' } }, Resources: policy(1) },
      },
    });
    expect(findings).toEqual([expect.objectContaining({ subject: 'Parameters.Free' })]);
  });
});

describe('dynamic-references', () => {
  const ssm = '{{resolve:ssm:/ids}}';

  test('passes a reference whose name Fn::Join builds, carried whole into a property', () => {
    const value = { 'Fn::Join': ['', ['{{resolve:ssm:/', { Ref: 'AWS::Region' }, '/x}}']] };
    expect(dynamicReferences(stack({ Q: { Type: 'AWS::SQS::Queue', Properties: { QueueName: value } } }))).toEqual([]);
  });

  test('fails when Fn::Select/Fn::Split operate on a dynamic reference', () => {
    const subnet = { 'Fn::Select': [1, { 'Fn::Split': [',', ssm] }] };
    const findings = dynamicReferences(stack({ S: { Type: 'AWS::EC2::Instance', Properties: { SubnetId: subnet } } }));
    expect(findings).toEqual([expect.objectContaining({ subject: 'S.SubnetId' })]);
    expect(findings[0].message).toMatch(/Fn::Split/);
  });

  test('fails when a dynamic reference sits in Parameters, Conditions or Mappings', () => {
    const findings = dynamicReferences(
      stack(
        {},
        {
          Parameters: { P: { Type: 'String', Default: ssm } },
          Conditions: { C: { 'Fn::Equals': [ssm, 'x'] } },
          Mappings: { M: { a: { b: ssm } } },
        },
      ),
    );
    expect(findings.map((f) => f.subject).sort()).toEqual(['Conditions.C', 'Mappings.M', 'Parameters.P']);
  });

  test('fails when a template holds more than 60 dynamic references', () => {
    const resources = Object.fromEntries(
      Array.from({ length: 61 }, (_, i) => [`Q${i}`, { Type: 'AWS::SQS::Queue', Properties: { QueueName: ssm } }]),
    );
    expect(dynamicReferences(stack(resources)).map((f) => f.subject)).toEqual(['template']);
  });
});

describe('service-key-access', () => {
  const logGroup = (statements: object[]) =>
    stack({
      K: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: keyPolicy(...statements) } },
      L: { Type: 'AWS::Logs::LogGroup', Properties: { KmsKeyId: { 'Fn::GetAtt': ['K', 'Arn'] } } },
    });
  const logsStatement = {
    Effect: 'Allow',
    Principal: { Service: { 'Fn::Sub': 'logs.${AWS::Region}.amazonaws.com' } },
    Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    Resource: '*',
    Condition: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': {
          'Fn::Sub': 'arn:aws:logs:${AWS::Region}:${AWS::AccountId}:log-group:*',
        },
      },
    },
  };

  test('passes a log group whose key lets CloudWatch Logs in for its log groups', async () => {
    expect(await serviceKeyAccess(logGroup([logsStatement]))).toEqual([]);
  });

  test('fails when the key policy does not let CloudWatch Logs in', async () => {
    expect(await serviceKeyAccess(logGroup([]))).toEqual([expect.objectContaining({ subject: 'L' })]);
  });

  test('fails when the encryption context condition names other log groups', async () => {
    const other = {
      ...logsStatement,
      Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': 'arn:aws:logs:*:*:log-group:/other/*' } },
    };
    expect(await serviceKeyAccess(logGroup([other]))).toHaveLength(1);
  });

  test('fails when alarms publish to an encrypted topic whose key does not let CloudWatch in', async () => {
    const findings = await serviceKeyAccess(
      stack({
        K: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: keyPolicy() } },
        T: { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: { 'Fn::GetAtt': ['K', 'Arn'] } } },
        A: { Type: 'AWS::CloudWatch::Alarm', Properties: { AlarmActions: [{ Ref: 'T' }] } },
      }),
    );
    expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/^cloudwatch\.amazonaws\.com is denied/)]);
  });
});

describe('lambda-deploy', () => {
  const fn = (extra: Partial<CfnResource>, props: Record<string, unknown> = {}): Assembly =>
    stack({
      Q: { Type: 'AWS::SQS::Queue' },
      R: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: doc('*') } },
      P: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'p',
          Roles: [{ Ref: 'R' }],
          PolicyDocument: doc({ 'Fn::GetAtt': ['Q', 'Arn'] }, ['sqs:SendMessage']),
        },
      },
      F: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Role: { 'Fn::GetAtt': ['R', 'Arn'] },
          DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': ['Q', 'Arn'] } },
          ...props,
        },
        ...extra,
      },
    });

  test('passes a function that depends on the policy granting its dead-letter queue', async () => {
    expect(await lambdaDeploy(fn({ DependsOn: ['P', 'R'] }))).toEqual([]);
  });

  test('fails when the function does not depend on its dead-letter policy', async () => {
    const findings = await lambdaDeploy(fn({ DependsOn: ['R'] }));
    expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/does not depend on P/)]);
  });

  test('fails when reserved concurrency is set on a 10-execution account, not on a larger one', async () => {
    const reserved = fn({ DependsOn: ['P'] }, { ReservedConcurrentExecutions: 5 });
    expect((await lambdaDeploy(reserved)).map((f) => f.message)).toEqual([expect.stringMatching(/below its minimum/)]);
    expect(await lambdaDeploy(reserved, { concurrencyQuota: 1000 })).toEqual([]);
  });
});

describe('cross-template', () => {
  const subnet = (index: number) => ({
    Type: 'AWS::EC2::Subnet',
    Properties: { AvailabilityZone: { 'Fn::Select': [index, { 'Fn::GetAZs': '' }] } },
  });
  const services = (zones: number[]): CfnTemplate => ({
    Resources: {
      ...Object.fromEntries(zones.map((z) => [`Subnet${z}`, subnet(z)])),
      Lb: {
        Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
        Properties: { Type: 'network', Subnets: zones.map((z) => ({ Ref: `Subnet${z}` })) },
      },
      Service: { Type: 'AWS::EC2::VPCEndpointService', Properties: { NetworkLoadBalancerArns: [{ Ref: 'Lb' }] } },
      Name: {
        Type: 'AWS::SSM::Parameter',
        Properties: {
          Name: '/svc',
          Type: 'String',
          Value: { 'Fn::Join': ['.', ['com.amazonaws.vpce', { Ref: 'AWS::Region' }, { Ref: 'Service' }]] },
        },
      },
    },
  });
  const product = (resources: Record<string, CfnResource> = {}): CfnTemplate => ({
    Parameters: {
      Env: { Type: 'String', Default: 'dev', AllowedValues: ['dev', 'prod'] },
      Name: { Type: 'String', MaxLength: 10 },
    },
    Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] } },
    Resources: {
      S0: subnet(0),
      S1: subnet(1),
      S2: subnet(2),
      E: {
        Type: 'AWS::EC2::VPCEndpoint',
        Properties: {
          VpcEndpointType: 'Interface',
          ServiceName: '{{resolve:ssm:/svc}}',
          SubnetIds: { 'Fn::If': ['IsProd', [{ Ref: 'S0' }, { Ref: 'S1' }, { Ref: 'S2' }], [{ Ref: 'S0' }]] },
        },
      },
      ...resources,
    },
  });

  test('passes an endpoint whose AZs are all among the load balancer AZs', () => {
    const assembly = { templates: { 'Hub.template.json': services([0, 1, 2]), 'P.product.template.json': product() } };
    expect(crossTemplate(assembly)).toEqual([]);
  });

  test('fails when the endpoint uses an AZ the load balancer lacks, for EnvType prod only', () => {
    const assembly = { templates: { 'Hub.template.json': services([0, 1]), 'P.product.template.json': product() } };
    const findings = crossTemplate(assembly);
    expect(findings).toEqual([expect.objectContaining({ subject: 'E' })]);
    expect(findings[0].message).toMatch(/Env=prod.*AZ index 2/);
  });

  test('fails when a retained resource has a name a relaunch repeats; passes with a launch-unique name', () => {
    const bucket = (name: unknown): CfnResource => ({
      Type: 'AWS::S3::Bucket',
      DeletionPolicy: 'Retain',
      Properties: { BucketName: name },
    });
    const fixed = {
      templates: {
        'Hub.template.json': services([0, 1, 2]),
        'P.product.template.json': product({ B: bucket({ 'Fn::Sub': 'data-${Name}' }) }),
      },
    };
    expect(crossTemplate(fixed).map((f) => f.message)).toEqual([expect.stringMatching(/^relaunch fails/)]);
    const unique = {
      'Fn::Join': [
        '-',
        ['data', { Ref: 'Name' }, { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }],
      ],
    };
    const ok = {
      templates: {
        'Hub.template.json': services([0, 1, 2]),
        'P.product.template.json': product({ B: bucket(unique) }),
      },
    };
    expect(crossTemplate(ok)).toEqual([]);
  });

  test('fails when a name is fixed, so a second project clashes, and when it breaks its limit', () => {
    const assembly = {
      templates: {
        'Hub.template.json': services([0, 1, 2]),
        'P.product.template.json': product({
          R: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'fixed' } },
          N: {
            Type: 'AWS::SageMaker::NotebookInstance',
            Properties: {
              NotebookInstanceName: { 'Fn::Sub': '${Name}-${Name}-${Name}-${Name}-${Name}-${Name}-${Name}' },
            },
          },
        }),
      },
    };
    const messages = crossTemplate(assembly).map((f) => `${f.subject}: ${f.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^R: CreateStack fails for a second project/),
        expect.stringMatching(/^N: .*76 characters, more than 63/),
      ]),
    );
  });

  test('fails when two launches export the same name', () => {
    const p = product();
    p.Outputs = { O: { Value: 'x', Export: { Name: 'fixed-export' } } };
    const findings = crossTemplate({
      templates: { 'Hub.template.json': services([0, 1, 2]), 'P.product.template.json': p },
    });
    expect(findings.map((f) => f.subject)).toEqual(['Export fixed-export']);
  });
});
