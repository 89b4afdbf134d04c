import { idleMonthlyCost } from '../../scripts/cost';
import {
  AWS_BASE_IMAGE_ACCOUNTS,
  CONTAINER_IMAGE_ENDPOINTS,
  PROJECT_INTERFACE_ENDPOINTS,
} from '../../lib/constructs/project/project-endpoints';
import { DEFAULT_NOTEBOOK_INSTANCE_TYPES } from '../../lib/config/config';
import { NOTEBOOK_PLATFORM } from '../../lib/products/notebook-product';
import { DeployContext, resolve } from '../helpers/intrinsics';
import { launchProject } from '../helpers/projects';
import { CfnTemplate, resourcesOfType, synthesize } from '../helpers/synth';
import { TEST_NAMES, withPrefix } from '../helpers/names';

const synthesized = synthesize();
const environment = synthesized.platform.portfolio.projectEnvironment;
const template = synthesized.product(environment);
const notebook = synthesized.product(environment.notebookStack);
const json = (v: unknown) => JSON.stringify(v);

describe('project environment: network', () => {
  test('has no way to the internet', () => {
    for (const type of [
      'AWS::EC2::InternetGateway',
      'AWS::EC2::NatGateway',
      'AWS::EC2::EgressOnlyInternetGateway',
      'AWS::EC2::VPCGatewayAttachment',
      'AWS::EC2::Route',
      'AWS::EC2::VPCPeeringConnection',
      'AWS::EC2::TransitGatewayAttachment',
    ]) {
      expect(resourcesOfType(template, type)).toEqual([]);
    }
    for (const [, subnet] of resourcesOfType(template, 'AWS::EC2::Subnet'))
      expect(subnet.MapPublicIpOnLaunch).toBe(false);
    expect(resourcesOfType(template, 'AWS::EC2::Subnet')).toHaveLength(3);
  });

  test('logs all traffic to a log group encrypted with the project key and kept', () => {
    const [[, flowLog]] = resourcesOfType(template, 'AWS::EC2::FlowLog');
    expect(flowLog).toMatchObject({ TrafficType: 'ALL', LogDestinationType: 'cloud-watch-logs', ResourceType: 'VPC' });
    const [[id, group]] = resourcesOfType(template, 'AWS::Logs::LogGroup');
    expect(group).toMatchObject({
      RetentionInDays: 365,
      KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] },
    });
    expect(template.Resources[id]).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate' });
  });

  test('security groups never open egress to the world', () => {
    for (const [, group] of resourcesOfType(template, 'AWS::EC2::SecurityGroup')) {
      for (const rule of (group.SecurityGroupEgress as Record<string, unknown>[]) ?? []) {
        expect(rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0').toBe(false);
      }
      for (const rule of (group.SecurityGroupIngress as Record<string, unknown>[]) ?? [])
        expect(rule.CidrIp).toBeUndefined();
    }
    for (const [, rule] of resourcesOfType(template, 'AWS::EC2::SecurityGroupEgress')) {
      expect(rule.CidrIp).toBeUndefined();
      expect(rule.DestinationPrefixListId ?? rule.DestinationSecurityGroupId).toBeDefined();
    }
    for (const [, rule] of resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress')) {
      expect(rule.CidrIp).toBeUndefined();
      expect(rule.SourceSecurityGroupId).toBeDefined();
    }
  });

  test('reaches S3 only through the gateway endpoint, and the mirror through PrivateLink', () => {
    const egress = resourcesOfType(template, 'AWS::EC2::SecurityGroupEgress').map(([, r]) => r);
    expect(json(egress)).toContain(`{{resolve:ssm:${TEST_NAMES.sharedParameter('')}network/s3-prefix-list-id}}`);
    const endpoints = resourcesOfType(template, 'AWS::EC2::VPCEndpoint').map(([, r]) => r);
    expect(endpoints.filter((e) => e.VpcEndpointType === 'Gateway')).toHaveLength(1);
    expect(json(endpoints)).toContain(`{{resolve:ssm:${TEST_NAMES.sharedParameter('')}mirror/endpoint-service-name}}`);
  });

  test('has every interface endpoint notebooks, jobs and models need, each admitting only this account', () => {
    const endpoints = resourcesOfType(template, 'AWS::EC2::VPCEndpoint').map(([, r]) => r);
    const names = json(endpoints.map((e) => e.ServiceName));
    for (const service of Object.values(PROJECT_INTERFACE_ENDPOINTS)) expect(names).toContain(`.${service}`);
    for (const endpoint of endpoints.filter((e) => e.PolicyDocument)) {
      for (const statement of (endpoint.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement) {
        // ECR presigns layer downloads with its own account: that read-only statement cannot name ours.
        if (statement.Sid === 'EcrImageLayers') {
          expect([statement.Action, statement.Condition]).toEqual(['s3:GetObject', undefined]);
          continue;
        }
        expect(statement.Condition).toMatchObject({
          StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } },
        });
      }
    }
    // The S3 gateway endpoint reaches only the project buckets and ECR's image layers.
    const gateway = endpoints.find((e) => e.VpcEndpointType === 'Gateway')!;
    expect(json(gateway.PolicyDocument)).toContain('-data-');
    expect(json(gateway.PolicyDocument)).toContain('starport-layer-bucket');
    expect(json(gateway.PolicyDocument)).not.toContain('"Resource":"*"');
    // Only the mirror endpoint (an endpoint service, which takes no policy) and the gateway lack an allow-all-free policy.
    expect(endpoints.filter((e) => !e.PolicyDocument && e.VpcEndpointType === 'Interface')).toHaveLength(1);
  });

  test('adds the ECR endpoints, like the others, only when the launch enables container images', () => {
    const ecr = resourcesOfType(template, 'AWS::EC2::VPCEndpoint').filter(([, e]) =>
      Object.values(CONTAINER_IMAGE_ENDPOINTS).some((service) => json(e.ServiceName).includes(`.${service}"`)),
    );
    expect(ecr).toHaveLength(2);
    const [[, sts]] = resourcesOfType(template, 'AWS::EC2::VPCEndpoint').filter(([, e]) =>
      json(e.ServiceName).includes('.sts"'),
    );
    for (const [id, endpoint] of ecr) {
      expect(template.Resources[id].Condition).toBe('WithContainerImages');
      // Same subnets per EnvType and security group as every other service endpoint.
      expect([endpoint.SubnetIds, endpoint.SecurityGroupIds]).toEqual([sts.SubnetIds, sts.SecurityGroupIds]);
      // Callers of this account, and images only of this account and AWS's base-image registry.
      expect(endpoint.PolicyDocument).toMatchObject({
        Statement: [
          {
            Condition: {
              StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } },
              StringEqualsIfExists: { 'aws:ResourceAccount': [{ Ref: 'AWS::AccountId' }, ...AWS_BASE_IMAGE_ACCOUNTS] },
            },
          },
        ],
      });
    }
    expect(template.Conditions?.WithContainerImages).toEqual({ 'Fn::Equals': [{ Ref: 'ContainerImages' }, 'Enabled'] });
    expect(template.Parameters?.ContainerImages).toMatchObject({
      Default: 'Disabled',
      AllowedValues: ['Disabled', 'Enabled'],
    });
  });

  test('costs at most $66/month idle in dev, and spends on availability in prod', () => {
    const dev = idleMonthlyCost(template as never, 'dev').total;
    const prod = idleMonthlyCost(template as never, 'prod').total;
    expect(dev).toBeLessThanOrEqual(66);
    expect(prod).toBeGreaterThan(dev * 2);
  });
});

describe('project environment: storage', () => {
  const key = resourcesOfType(template, 'AWS::KMS::Key');

  test('one rotating, retained project key that project roles use only through AWS services', () => {
    expect(key).toHaveLength(1);
    const [[keyId, props]] = key;
    expect(props.EnableKeyRotation).toBe(true);
    expect(template.Resources[keyId]).toMatchObject({ DeletionPolicy: 'Retain' });
    const statements = (props.KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
    const projectUse = statements.find((s) => s.Sid === 'ProjectRolesThroughServices')!;
    expect(json(projectUse.Condition)).toContain('kms:ViaService');
    // The 2020 policy granted use *outside* the endpoint (StringNotEquals aws:sourceVpce); nothing here negates a network condition to allow.
    for (const s of statements.filter((st) => st.Effect === 'Allow'))
      expect(json(s.Condition ?? {})).not.toMatch(/StringNotEquals[^}]*SourceVpce/i);
  });

  test('data and model buckets: project key, versioned, private, logged, retained, reachable only through the project endpoint', () => {
    const buckets = resourcesOfType(template, 'AWS::S3::Bucket').filter(([, b]) => b.LoggingConfiguration);
    expect(buckets).toHaveLength(2);
    for (const [id, bucket] of buckets) {
      expect(template.Resources[id]).toMatchObject({
        DeletionPolicy: 'RetainExceptOnCreate',
        UpdateReplacePolicy: 'Retain',
      });
      expect(json(bucket.BucketEncryption)).toContain(key[0][0]);
      expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      const [[, policy]] = resourcesOfType(template, 'AWS::S3::BucketPolicy').filter(
        ([, p]) => json(p.Bucket) === json({ Ref: id }),
      );
      const statements = (policy.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
      expect(statements.find((s) => s.Sid === 'DataOnlyThroughProjectNetwork')).toMatchObject({
        Effect: 'Deny',
        Condition: { StringNotEquals: { 'aws:SourceVpce': { Ref: expect.stringMatching(/^NetworkS3/) } } },
      });
      expect(json(statements)).toContain('"aws:SecureTransport":"false"');
    }
  });

  test('the repository is encrypted with the project key, seeded from notebooks/, and retained', () => {
    const [[id, repo]] = resourcesOfType(template, 'AWS::CodeCommit::Repository');
    expect(repo.KmsKeyId).toBeDefined();
    expect(repo.Code).toMatchObject({ BranchName: 'main', S3: { Bucket: `${TEST_NAMES.prefix}-catalog-assets` } });
    expect(template.Resources[id]).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate' });
  });
});

describe('project environment: image repository', () => {
  test('project key, scanned on push, immutable tags, no repository policy, retained', () => {
    const [[keyId]] = resourcesOfType(template, 'AWS::KMS::Key');
    const [[id, repo]] = resourcesOfType(template, 'AWS::ECR::Repository');
    expect(repo).toMatchObject({
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [keyId, 'Arn'] } },
      ImageScanningConfiguration: { ScanOnPush: true },
      ImageTagMutability: 'IMMUTABLE',
    });
    expect(repo.RepositoryPolicyText).toBeUndefined();
    expect(json(repo.LifecyclePolicy)).toContain('untagged');
    expect(template.Resources[id]).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate' });
  });
});

describe('project environment: principals and catalog', () => {
  test('every role it creates carries the project boundary', () => {
    const roles = resourcesOfType(template, 'AWS::IAM::Role');
    expect(roles.length).toBeGreaterThanOrEqual(4);
    for (const [, role] of roles)
      expect(json(role.PermissionsBoundary)).toContain(`:policy/${TEST_NAMES.prefix}-project-boundary`);
    for (const [, role] of resourcesOfType(notebook, 'AWS::IAM::Role'))
      expect(json(role.PermissionsBoundary)).toContain(`:policy/${TEST_NAMES.prefix}-project-boundary`);
  });

  test('human roles require MFA; no role uses AWS managed policies', () => {
    for (const [, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
      expect(role.ManagedPolicyArns).toBeUndefined();
      const trust = json(role.AssumeRolePolicyDocument);
      if (trust.includes(':root')) expect(trust).toContain('"aws:MultiFactorAuthPresent":"true"');
    }
  });

  test('gives the project admin and user roles the project portfolio, and outputs their switch-role links', () => {
    expect(resourcesOfType(template, 'AWS::ServiceCatalog::PortfolioPrincipalAssociation')).toHaveLength(2);
    expect(Object.keys(template.Outputs ?? {})).toEqual(
      expect.arrayContaining(['ProjectAdministratorSwitchRoleUrl', 'ProjectUserSwitchRoleUrl']),
    );
  });

  test('groups its resources by project tags', () => {
    const [[, group]] = resourcesOfType(template, 'AWS::ResourceGroups::Group');
    expect(json(group.ResourceQuery)).toContain('"Key":"ProjectName"');
  });
});

describe('notebook product', () => {
  const [[, instance]] = resourcesOfType(notebook, 'AWS::SageMaker::NotebookInstance');

  test('has no internet and no root, an encrypted volume, IMDSv2 and the current platform', () => {
    expect(instance).toMatchObject({
      DirectInternetAccess: 'Disabled',
      RootAccess: 'Disabled',
      PlatformIdentifier: NOTEBOOK_PLATFORM,
      InstanceMetadataServiceConfiguration: { MinimumInstanceMetadataServiceVersion: '2' },
    });
    // The volume is encrypted with the project key and deleted with the notebook: nothing is left on terminate.
    expect(json(instance.KmsKeyId)).toContain('kms-key-arn}}');
    // One SSM parameter per subnet, named from the SubnetNumber parameter: no Fn::Split over a dynamic reference.
    expect(json(instance.SubnetId)).toContain('subnet-id-');
    expect(json(instance.SubnetId)).toContain('"Ref":"SubnetNumber"');
    expect(json(notebook)).not.toContain('Fn::Split');
    expect(json(instance.LifecycleConfigName)).toContain('lifecycle-config-name');
    expect(json(instance.DefaultCodeRepository)).toContain('repository-clone-url');
  });

  test('validates its launch parameters', () => {
    const p = notebook.Parameters!;
    expect(p.InstanceType.AllowedValues).toEqual([...DEFAULT_NOTEBOOK_INSTANCE_TYPES]);
    expect(p.VolumeSizeInGB).toMatchObject({ Type: 'Number', MinValue: 5, MaxValue: 512 });
    expect(p.SubnetNumber.AllowedValues).toEqual(['1', '2', '3']);
    const owner = new RegExp(p.OwnerUserName.AllowedPattern as string);
    expect('jane-doe').toMatch(owner);
    for (const bad of ['Jane', 'j', 'jane_doe', 'a'.repeat(21), 'jane-']) expect(bad).not.toMatch(owner);
    const email = new RegExp(p.OwnerEmail.AllowedPattern as string);
    expect('jane@example.com').toMatch(email);
    expect('jane.doe+ml@data-team.example.com').toMatch(email);
    // The address becomes a tag value: characters IAM and SageMaker refuse there are refused at launch.
    for (const bad of ['jane@', "o'brien@example.com", 'jane&co@example.com', 'jane doe@example.com']) {
      expect(bad).not.toMatch(email);
    }
  });

  test('tags the notebook with its owner, for the git identity', () => {
    expect(json(instance.Tags)).toContain('"Key":"OwnerUserName"');
    expect(json(instance.Tags)).toContain('"Key":"OwnerEmail"');
  });

  test('outputs the link that opens JupyterLab', () => {
    expect(json((notebook as CfnTemplate).Outputs)).toContain('openNotebook');
  });
});

describe('project environment: DNS firewall', () => {
  type Rule = { domains: string[]; action: string; priority: number };
  /** Launches the environment (dev) with or without a TLS name for the mirror, resolving the firewall's rules. */
  const launch = (mirrorDomain?: string) => {
    const alpha = launchProject(synthesized, 'alpha').ctx;
    // The mirror's TLS name is read from the parameter its SSM-typed launch parameter names.
    const mirrorParameter = String(template.Parameters?.MirrorDomainName?.Default);
    const ctx: DeployContext = {
      ...alpha,
      parameters: { ...alpha.parameters, MirrorDomainName: mirrorParameter },
      ssm: { ...alpha.ssm, [mirrorParameter]: mirrorDomain ?? 'none' },
    };
    const value = (v: unknown) => resolve(v, template, ctx);
    const [[groupId, group]] = resourcesOfType(template, 'AWS::Route53Resolver::FirewallRuleGroup');
    const rules: Rule[] = (group.FirewallRules as Record<string, unknown>[]).map((rule) => {
      const [listId] = (rule.FirewallDomainListId as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
      return {
        domains: value(template.Resources[listId].Properties!.Domains) as string[],
        action: String(rule.Action),
        priority: Number(rule.Priority),
      };
    });
    return { ctx, value, groupId, rules };
  };
  /** What Route 53 Resolver DNS Firewall does with `name`: the first matching rule by priority, else it resolves. */
  const answer = (rules: Rule[], name: string) => {
    const query = name.toLowerCase().replace(/\.$/, '');
    const matches = (domain: string) =>
      domain === '*' || (domain.startsWith('*.') ? query.endsWith(domain.slice(1)) : query === domain);
    const rule = [...rules].sort((a, b) => a.priority - b.priority).find((r) => r.domains.some(matches));
    return rule?.action ?? 'RESOLVED';
  };
  const SERVICE_NAMES = [
    'sts.eu-west-1.amazonaws.com',
    'api.sagemaker.eu-west-1.amazonaws.com',
    'alpha-data.s3.eu-west-1.amazonaws.com',
    'vpce-0abc-1234.vpce-svc-0mirror.eu-west-1.vpce.amazonaws.com',
    'ip-10-0-1-5.eu-west-1.compute.internal',
  ];
  const EXFILTRATION = [
    'pypi.org',
    'files.pythonhosted.org',
    'c2VjcmV0LWRhdGE.attacker.example',
    'amazonaws.com.attacker.example',
    'evilamazonaws.com',
    'sagemaker.aws.attacker.example',
  ];

  test('covers the project VPC and logs every query to a kept log group encrypted with the project key', () => {
    const { value, groupId } = launch();
    const vpc = value({ Ref: resourcesOfType(template, 'AWS::EC2::VPC')[0][0] });
    const [[, association]] = resourcesOfType(template, 'AWS::Route53Resolver::FirewallRuleGroupAssociation');
    expect(value(association.VpcId)).toBe(vpc);
    expect(association.FirewallRuleGroupId).toEqual({ 'Fn::GetAtt': [groupId, 'Id'] });
    const [[, logging]] = resourcesOfType(template, 'AWS::Route53Resolver::ResolverQueryLoggingConfigAssociation');
    expect(value(logging.ResourceId)).toBe(vpc);
    const [[, config]] = resourcesOfType(template, 'AWS::Route53Resolver::ResolverQueryLoggingConfig');
    const [id, group] = resourcesOfType(template, 'AWS::Logs::LogGroup').find(([, g]) =>
      String(value(g.LogGroupName)).includes('dns-queries'),
    )!;
    expect(value(config.DestinationArn)).toBe(
      `arn:aws:logs:eu-west-1:111122223333:log-group:${String(value(group.LogGroupName))}`,
    );
    // Under the vended-logs prefix: the log delivery's resource policy then never grows with each project.
    expect(value(group.LogGroupName)).toMatch(
      withPrefix('^/aws/vendedlogs/<prefix>/projects/alpha/dev/dns-queries/[0-9a-f]{8}$'),
    );
    expect(group).toMatchObject({
      RetentionInDays: 365,
      KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] },
    });
    expect(template.Resources[id]).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate' });
  });

  test('answers AWS service and VPC names, and refuses every other name, look-alikes included', () => {
    const { rules } = launch();
    for (const name of SERVICE_NAMES) expect([name, answer(rules, name)]).toEqual([name, 'ALLOW']);
    for (const name of [...EXFILTRATION, 'pypi.data.example.com'])
      expect([name, answer(rules, name)]).toEqual([name, 'BLOCK']);
  });

  test("with the mirror on TLS, answers the mirror's own name too, and nothing beside it", () => {
    const { rules } = launch('pypi.data.example.com');
    expect(answer(rules, 'pypi.data.example.com')).toBe('ALLOW');
    for (const name of ['other.data.example.com', 'x.pypi.data.example.com', ...EXFILTRATION])
      expect([name, answer(rules, name)]).toEqual([name, 'BLOCK']);
  });

  test('the suite can fail: without the block-all rule, a name an attacker owns resolves', () => {
    const { rules } = launch();
    const weakened = rules.filter((r) => r.action !== 'BLOCK');
    expect(answer(weakened, 'c2VjcmV0LWRhdGE.attacker.example')).toBe('RESOLVED');
  });

  test('costs a few cents a month idle (its domain lists); queries are usage-based', () => {
    const dev = idleMonthlyCost(template as never, 'dev').lines.find((l) => l.item.startsWith('DNS Firewall'))!;
    expect(dev.quantity).toBe(launch('pypi.data.example.com').rules.flatMap((r) => r.domains).length);
    expect(dev.monthly).toBeLessThan(0.05);
  });
});
