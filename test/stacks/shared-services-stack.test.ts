import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { SHARED_PARAMETERS } from '../../lib/config/names';
import { MIRROR_IMAGE_DIRECTORY } from '../../lib/constructs/mirror/pypi-mirror';
import { DeployContext } from '../helpers/intrinsics';
import { expectDecision, logicalIdOf, principalFromTemplate } from '../helpers/iam';
import {
  CfnTemplate,
  securitySummary,
  synthesize,
  synthesizeStack,
  withoutBundledCode,
  withoutCrossStackExports,
} from '../helpers/synth';
import { TEST_NAMES, projectNamed } from '../helpers/names';

describe('SharedServicesStack', () => {
  const synthesized = synthesize();
  const template = synthesized.stack('shared');
  const json = template.toJSON() as CfnTemplate;

  test('the VPC has no route to the internet and logs every flow', () => {
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::EgressOnlyInternetGateway', 0);
    // No security group may send to an address range: egress names a group or the S3 prefix list.
    const json = JSON.stringify(template.toJSON());
    expect(json).not.toContain('0.0.0.0/0');
    expect(json).not.toContain('::/0');
    template.hasResourceProperties('AWS::EC2::VPC', {
      CidrBlock: '10.10.0.0/16',
      EnableDnsHostnames: true,
      EnableDnsSupport: true,
    });
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.allResourcesProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false });
    const routes = template.findResources('AWS::EC2::Route');
    expect(Object.keys(routes)).toEqual([]);
    template.hasResourceProperties('AWS::EC2::FlowLog', {
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
      ResourceType: 'VPC',
    });
  });

  test('a variant of it in a small app starts from the very stack the platform builds', () => {
    const platform = synthesize().stack('shared').toJSON() as CfnTemplate;
    expect(withoutBundledCode(synthesizeStack('shared').json)).toEqual(
      withoutBundledCode(withoutCrossStackExports(platform)),
    );
  });

  test('spans three AZs when configured, though the stack is environment-agnostic', () => {
    synthesizeStack('shared', { sharedServicesAzCount: 3 }).template.resourceCountIs('AWS::EC2::Subnet', 3);
  });

  test('every endpoint admits only principals of this account', () => {
    const endpoints = template.findResources('AWS::EC2::VPCEndpoint');
    const services = Object.values(endpoints).map((e) => JSON.stringify(e.Properties.ServiceName));
    expect(services.join()).toMatch(/ecr\.api/);
    expect(services.join()).toMatch(/ecr\.dkr/);
    expect(services.join()).toMatch(/logs/);
    expect(services.join()).toMatch(/s3/);
    for (const endpoint of Object.values(endpoints)) {
      const statements = endpoint.Properties.PolicyDocument.Statement as { Condition?: unknown }[];
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        expect(statement.Condition).toEqual({ StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } } });
      }
    }
  });

  test('the mirror load balancer is internal, protected and access-logged', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Type: 'network',
      Scheme: 'internal',
      LoadBalancerAttributes: Match.arrayWith([
        { Key: 'deletion_protection.enabled', Value: 'true' },
        { Key: 'access_logs.s3.enabled', Value: 'true' },
      ]),
      EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic: 'off',
    });
  });

  test('mirror tasks get no public IP, run as a non-root user on a read-only root, and roll back failed deployments', () => {
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'DISABLED' } },
      DeploymentConfiguration: {
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
        MinimumHealthyPercent: 100,
        MaximumPercent: 200,
      },
    });
    template.hasResourceProperties('AWS::ECS::TaskDefinition', {
      Cpu: '512',
      Memory: '1024',
      ContainerDefinitions: [
        Match.objectLike({
          User: '9898:9898',
          ReadonlyRootFilesystem: true,
          HealthCheck: Match.objectLike({ Retries: 3 }),
        }),
      ],
    });
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enhanced' }],
    });
  });

  test('the mirror image is built from a pinned base and pinned pypiserver, never latest', () => {
    const dockerfile = fs.readFileSync(path.join(MIRROR_IMAGE_DIRECTORY, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM [^\s:]+:\d+\.\d+[^\s]*$/m);
    expect(dockerfile).not.toMatch(/:latest|FROM [^\s:]+\s*$/m);
    expect(dockerfile).toMatch(/pypiserver==\d+\.\d+\.\d+/);
    expect(dockerfile).toMatch(/^USER 9898:9898$/m);
    const start = fs.readFileSync(path.join(MIRROR_IMAGE_DIRECTORY, 'start.sh'), 'utf8');
    expect(start).toMatch(/--disable-fallback/);
    expect(start).not.toMatch(/-P |--passwords|-a \./);
  });

  test('only the mirror load balancer reaches the tasks', () => {
    const groups = template.findResources('AWS::EC2::SecurityGroup');
    const taskGroup = Object.entries(groups).find(([, g]) => /PyPI mirror tasks/.test(g.Properties.GroupDescription))!;
    const ingress = template.findResources('AWS::EC2::SecurityGroupIngress', {
      Properties: { GroupId: { 'Fn::GetAtt': [taskGroup[0], 'GroupId'] } },
    });
    expect(Object.values(ingress).map((i) => i.Properties)).toEqual([
      expect.objectContaining({
        FromPort: 8080,
        ToPort: 8080,
        SourceSecurityGroupId: { 'Fn::GetAtt': [expect.stringMatching(/LoadBalancerSecurityGroup/), 'GroupId'] },
      }),
    ]);
    const lbGroup = Object.entries(groups).find(([, g]) => /mirror load balancer/.test(g.Properties.GroupDescription))!;
    expect(lbGroup[1].Properties.SecurityGroupIngress).toBeUndefined();
  });

  test('the endpoint service admits this account only', () => {
    template.hasResourceProperties('AWS::EC2::VPCEndpointService', { AcceptanceRequired: false });
    template.hasResourceProperties('AWS::EC2::VPCEndpointServicePermissions', {
      AllowedPrincipals: [
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] },
      ],
    });
  });

  test('publishes what project environments need under the shared parameter names', () => {
    for (const key of Object.values(SHARED_PARAMETERS)) {
      template.hasResourceProperties('AWS::SSM::Parameter', { Name: `${TEST_NAMES.sharedParameter('')}${key}` });
    }
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: `${TEST_NAMES.sharedParameter('')}mirror/scheme`,
      Value: 'http',
    });
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: `${TEST_NAMES.sharedParameter('')}mirror/port`,
      Value: '80',
    });
  });

  test('serves TLS 1.3 with the operator certificate when configured', () => {
    const certificateArn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0b8f1b9e-1111-2222-3333-444455556666';
    const tls = synthesizeStack('shared', {
      mirrorCertificateArn: certificateArn,
      mirrorDomainName: 'pypi.data.example.com',
    }).template;
    tls.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'TLS',
      Certificates: [{ CertificateArn: certificateArn }],
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-3-2021-06',
    });
    tls.hasResourceProperties('AWS::SSM::Parameter', {
      Name: `${TEST_NAMES.sharedParameter('')}mirror/scheme`,
      Value: 'https',
    });
    tls.hasResourceProperties('AWS::SSM::Parameter', {
      Name: `${TEST_NAMES.sharedParameter('')}mirror/domain-name`,
      Value: 'pypi.data.example.com',
    });
  });

  describe('the mirror task role (policy simulation)', () => {
    const ctx: DeployContext = { account: '111122223333', region: 'eu-west-1', instance: 'shared' };
    const taskRole = principalFromTemplate(
      json,
      logicalIdOf(json, 'AWS::IAM::Role', (p) => p.Description === 'Reads the approved packages (read-only)'),
      ctx,
    );
    const bucket = `arn:aws:s3:::shared-${logicalIdOf(json, 'AWS::S3::Bucket', (p) => p.LoggingConfiguration !== undefined).toLowerCase()}`;

    test('reads approved packages', async () => {
      await expectDecision(
        taskRole,
        { action: 's3:GetObject', resource: `${bucket}/packages/numpy-2.0.0.whl` },
        'Allowed',
      );
      await expectDecision(
        taskRole,
        { action: 's3:ListBucket', resource: bucket, context: { 's3:prefix': 'packages/' } },
        'Allowed',
      );
    });
    test('cannot write, delete or read anything else', async () => {
      await expectDecision(
        taskRole,
        { action: 's3:PutObject', resource: `${bucket}/packages/evil.whl` },
        'ImplicitlyDenied',
      );
      await expectDecision(
        taskRole,
        { action: 's3:DeleteObject', resource: `${bucket}/packages/numpy-2.0.0.whl` },
        'ImplicitlyDenied',
      );
      await expectDecision(
        taskRole,
        { action: 's3:GetObject', resource: `arn:aws:s3:::${projectNamed('alpha', 'dev', 'data')}/x` },
        'ImplicitlyDenied',
      );
    });
  });

  test('matches the snapshot of what matters to security', () => {
    expect(securitySummary(json)).toMatchSnapshot();
  });
});
