import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CodeCommitClient, ListRepositoriesCommand } from '@aws-sdk/client-codecommit';
import {
  DescribeAvailabilityZonesCommand,
  DescribeVpcEndpointServicesCommand,
  DescribeVpcEndpointServicesCommandInput,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { main } from '../../scripts/preflight';
import {
  AccountClients,
  AccountContext,
  accountFindings,
  AssemblyManifest,
  bootstrapVersion,
  codeCommitAvailability,
  endpointServiceZones,
  lambdaConcurrency,
  vpcQuotas,
} from '../../scripts/preflight/account';
import { CfnResource, CfnTemplate } from '../../scripts/preflight/cfn-resolve';
import { Assembly, loadAssembly } from '../../scripts/preflight/launch';
import { synthesize } from '../helpers/synth';
import { TEST_NAMES } from '../helpers/names';

const REGION = 'eu-west-1';
const AZS = ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'];
const error = (name: string, message = name) => Object.assign(new Error(message), { name });

// A project product shaped like ours: subnets in the first 1/2/3 AZs by EnvType, a prod-only notebook endpoint,
// the package mirror's endpoint (a customer service, named by a dynamic reference) and a repository.
const subnet = (i: number): CfnResource => ({
  Type: 'AWS::EC2::Subnet',
  Properties: { VpcId: { Ref: 'Vpc' }, AvailabilityZone: { 'Fn::Select': [i, { 'Fn::GetAZs': '' }] } },
});
const awsService = (prefix: string, suffix: string) => ({ 'Fn::Join': ['', [prefix, { Ref: 'AWS::Region' }, suffix]] });
const endpoint = (serviceName: unknown, subnetIds: unknown, condition?: string): CfnResource => ({
  Type: 'AWS::EC2::VPCEndpoint',
  ...(condition ? { Condition: condition } : {}),
  Properties: { VpcId: { Ref: 'Vpc' }, VpcEndpointType: 'Interface', ServiceName: serviceName, SubnetIds: subnetIds },
});
const byEnvType = {
  'Fn::If': [
    'IsDev',
    [{ Ref: 'Subnet0' }],
    { 'Fn::If': ['IsProd', [0, 1, 2].map((i) => ({ Ref: `Subnet${i}` })), [0, 1].map((i) => ({ Ref: `Subnet${i}` }))] },
  ],
};
const PROJECT: CfnTemplate = {
  Parameters: { EnvType: { Type: 'String', Default: 'dev', AllowedValues: ['dev', 'test', 'prod'] } },
  Conditions: {
    IsDev: { 'Fn::Equals': [{ Ref: 'EnvType' }, 'dev'] },
    IsProd: { 'Fn::Equals': [{ Ref: 'EnvType' }, 'prod'] },
  },
  Resources: {
    Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } },
    Subnet0: subnet(0),
    Subnet1: subnet(1),
    Subnet2: subnet(2),
    Sts: endpoint(awsService('com.amazonaws.', '.sts'), byEnvType),
    Notebook: endpoint(
      awsService('aws.sagemaker.', '.notebook'),
      [0, 1, 2].map((i) => ({ Ref: `Subnet${i}` })),
      'IsProd',
    ),
    S3: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcId: { Ref: 'Vpc' }, ServiceName: 'com.amazonaws.x.s3' } },
    Mirror: endpoint(`{{resolve:ssm:${TEST_NAMES.sharedParameter('')}mirror/endpoint-service-name}}`, byEnvType),
    Repository: { Type: 'AWS::CodeCommit::Repository', Properties: { RepositoryName: { Ref: 'AWS::StackName' } } },
  },
};
const shared = (reserved?: number): CfnTemplate => ({
  Resources: {
    Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.1.0.0/16' } },
    Fn: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Runtime: 'nodejs22.x',
        ...(reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved }),
      },
    },
  },
});
const assembly = (reserved?: number, project: CfnTemplate = PROJECT): Assembly => ({
  templates: { 'Shared.template.json': shared(reserved), 'Project.product.template.json': project },
  stackNames: { 'Shared.template.json': `${TEST_NAMES.prefix}-shared` },
});
const MANIFEST: AssemblyManifest = {
  artifacts: {
    'Shared.assets': { properties: { requiresBootstrapStackVersion: 6 } },
    Shared: {
      properties: {
        requiresBootstrapStackVersion: 6,
        bootstrapStackVersionSsmParameter: '/cdk-bootstrap/hnb659fds/version',
      },
    },
  },
};

/** A small synthesized-like assembly directory: the two templates and a manifest. */
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'account-'));
  for (const [file, template] of Object.entries(assembly().templates)) {
    fs.writeFileSync(path.join(dir, file), JSON.stringify(template));
  }
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(MANIFEST));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Mocked clients of a healthy, roomy account; each test breaks one thing. */
function setup() {
  const clients: AccountClients = {
    sts: new STSClient({ region: REGION }),
    lambda: new LambdaClient({ region: REGION }),
    quotas: new ServiceQuotasClient({ region: REGION }),
    ec2: new EC2Client({ region: REGION }),
    codecommit: new CodeCommitClient({ region: REGION }),
    ssm: new SSMClient({ region: REGION }),
  };
  const mocks = {
    sts: mockClient(clients.sts),
    lambda: mockClient(clients.lambda),
    quotas: mockClient(clients.quotas),
    ec2: mockClient(clients.ec2),
    codecommit: mockClient(clients.codecommit),
    ssm: mockClient(clients.ssm),
  };
  mocks.sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: '111122223333', Arn: 'arn:aws:iam::111122223333:user/ops' });
  mocks.lambda
    .on(GetAccountSettingsCommand)
    .resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 } });
  mocks.quotas.on(GetServiceQuotaCommand, { QuotaCode: 'L-F678F1CE' }).resolves({ Quota: { Value: 5 } });
  mocks.quotas.on(GetServiceQuotaCommand, { QuotaCode: 'L-29B6F2EB' }).resolves({ Quota: { Value: 50 } });
  mocks.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-default' }] });
  mocks.ec2.on(DescribeAvailabilityZonesCommand).resolves({
    AvailabilityZones: [
      // Listed out of order, with a Local Zone that Fn::GetAZs leaves out.
      { ZoneName: 'eu-west-1c', ZoneType: 'availability-zone', State: 'available' },
      { ZoneName: 'eu-west-1-lhr-1a', ZoneType: 'local-zone', State: 'available' },
      { ZoneName: 'eu-west-1a', ZoneType: 'availability-zone', State: 'available' },
      { ZoneName: 'eu-west-1b', ZoneType: 'availability-zone', State: 'available' },
    ],
  });
  offer(mocks.ec2, {});
  mocks.codecommit.on(ListRepositoriesCommand).resolves({ repositories: [] });
  mocks.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '30' } });
  const ctx: AccountContext = { clients, region: REGION, account: '111122223333' };
  return { clients, mocks, ctx };
}

/** DescribeVpcEndpointServices: every service in every AZ, except the AZs listed per service. */
function offer(ec2: AwsClientStub<EC2Client>, offeredIn: Record<string, string[]>) {
  ec2.on(DescribeVpcEndpointServicesCommand).callsFake((input: DescribeVpcEndpointServicesCommandInput) => {
    const name = input.ServiceNames?.[0] ?? '';
    return {
      ServiceDetails: [
        { ServiceName: name, ServiceType: [{ ServiceType: 'Interface' }], AvailabilityZones: offeredIn[name] ?? AZS },
      ],
    };
  });
}

describe('preflight --account (mocked AWS)', () => {
  test('a roomy, bootstrapped account with CodeCommit passes every check', async () => {
    const { ctx } = setup();
    expect(await accountFindings(loadAssembly(dir), ctx)).toEqual([]);
  });

  describe('Lambda concurrency', () => {
    test('passes a reservation the account can give', async () => {
      const { ctx } = setup();
      expect(await lambdaConcurrency(assembly(5), ctx)).toEqual([]);
    });

    test('fails when the concurrency reserve is too high for what is left unreserved', async () => {
      const { ctx, mocks } = setup();
      mocks.lambda
        .on(GetAccountSettingsCommand)
        .resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 14 } });
      const findings = await lambdaConcurrency(assembly(5), ctx);
      expect(findings).toEqual([
        expect.objectContaining({ check: 'account', template: 'Shared.template.json', subject: 'Fn' }),
      ]);
      expect(findings[0].message).toMatch(/leaves 9 of an account concurrency quota of 1000 \(986 already reserved/);
    });

    test('fails when a new account has a quota of 10', async () => {
      const { ctx, mocks } = setup();
      mocks.lambda
        .on(GetAccountSettingsCommand)
        .resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });
      expect((await lambdaConcurrency(assembly(1), ctx)).map((f) => f.message)).toEqual([
        expect.stringMatching(/below Lambda's minimum of 10/),
      ]);
      expect(await lambdaConcurrency(assembly(), ctx)).toEqual([]);
    });

    test('fails when GetAccountSettings is denied', async () => {
      const { ctx, mocks } = setup();
      mocks.lambda.on(GetAccountSettingsCommand).rejects(error('AccessDeniedException', 'not authorized'));
      expect((await lambdaConcurrency(assembly(5), ctx)).map((f) => f.message)).toEqual([
        expect.stringMatching(/^cannot check: lambda:GetAccountSettings failed with AccessDeniedException/),
      ]);
    });
  });

  describe('VPC quotas', () => {
    test('passes when the stacks and one project launch fit', async () => {
      const { ctx, mocks } = setup();
      mocks.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'a' }, { VpcId: 'b' }, { VpcId: 'c' }] });
      expect(await vpcQuotas(assembly(), ctx)).toEqual([]); // 3 in use + 1 shared + 1 project = 5
    });

    test('fails when the VPC quota is too small for one project launch', async () => {
      const { ctx, mocks } = setup();
      mocks.ec2
        .on(DescribeVpcsCommand)
        .resolvesOnce({ Vpcs: [{ VpcId: 'a' }, { VpcId: 'b' }], NextToken: 'more' })
        .resolves({ Vpcs: [{ VpcId: 'c' }, { VpcId: 'd' }] });
      const findings = await vpcQuotas(assembly(), ctx);
      expect(findings).toEqual([
        expect.objectContaining({ template: 'Project.product.template.json', subject: 'VPCs per Region (L-F678F1CE)' }),
      ]);
      expect(findings[0].message).toMatch(
        /4 VPCs in use \+ 1 the stacks create \+ 1 per project launch = 6, above the quota of 5/,
      );
    });

    test("counts a deployed stack's VPC once (CloudFormation tags it with the stack name)", async () => {
      const { ctx, mocks } = setup();
      const tagged = {
        VpcId: 'd',
        Tags: [{ Key: 'aws:cloudformation:stack-name', Value: `${TEST_NAMES.prefix}-shared` }],
      };
      mocks.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'a' }, { VpcId: 'b' }, { VpcId: 'c' }, tagged] });
      expect(await vpcQuotas(assembly(), ctx)).toEqual([]);
    });

    test('fails when the interface endpoint quota is below what a prod project VPC gets', async () => {
      const { ctx, mocks } = setup();
      // Prod: sts, notebook and the mirror (a customer service, still an interface endpoint in the VPC).
      mocks.quotas.on(GetServiceQuotaCommand, { QuotaCode: 'L-29B6F2EB' }).resolves({ Quota: { Value: 2 } });
      const findings = await vpcQuotas(assembly(), ctx);
      expect(findings).toEqual([
        expect.objectContaining({
          template: 'Project.product.template.json',
          subject: 'Interface VPC endpoints per VPC (L-29B6F2EB)',
        }),
      ]);
      expect(findings[0].message).toMatch(/EnvType=prod.*3 interface endpoints in one VPC, above the quota of 2/);
    });

    test('fails when a quota call is denied: never a silent pass', async () => {
      const { ctx, mocks } = setup();
      mocks.quotas.on(GetServiceQuotaCommand).rejects(error('AccessDeniedException', 'not authorized'));
      expect((await vpcQuotas(assembly(), ctx)).map((f) => `${f.subject}: ${f.message}`)).toEqual([
        expect.stringMatching(/^VPCs per Region \(vpc\/L-F678F1CE\): cannot check: .*AccessDeniedException/),
        expect.stringMatching(/^Interface VPC endpoints per VPC \(vpc\/L-29B6F2EB\): cannot check: .*AccessDenied/),
      ]);
    });

    test('reads the AWS default where no value is applied, and says so when the code is unknown', async () => {
      const { ctx, mocks } = setup();
      mocks.quotas.on(GetServiceQuotaCommand).rejects(error('NoSuchResourceException'));
      mocks.quotas.on(GetAWSDefaultServiceQuotaCommand).resolves({ Quota: { Value: 50 } });
      expect(await vpcQuotas(assembly(), ctx)).toEqual([]);
      mocks.quotas.on(GetAWSDefaultServiceQuotaCommand).rejects(error('NoSuchResourceException', 'no such quota'));
      expect((await vpcQuotas(assembly(), ctx)).map((f) => f.message)).toEqual([
        expect.stringMatching(/cannot check: .*\(the quota code is unknown here\).*no such quota/),
        expect.stringMatching(/cannot check: .*\(the quota code is unknown here\).*no such quota/),
      ]);
    });
  });

  describe('endpoint service AZs', () => {
    test('asks only for the AWS services, each once', async () => {
      const { ctx, mocks } = setup();
      expect(await endpointServiceZones(assembly(), ctx)).toEqual([]);
      const asked = mocks.ec2.commandCalls(DescribeVpcEndpointServicesCommand).map((c) => c.args[0].input.ServiceNames);
      expect(asked).toEqual([['aws.sagemaker.eu-west-1.notebook'], ['com.amazonaws.eu-west-1.sts']]);
    });

    test('fails when a service is missing in an AZ a prod launch uses', async () => {
      const { ctx, mocks } = setup();
      offer(mocks.ec2, { 'aws.sagemaker.eu-west-1.notebook': ['eu-west-1a', 'eu-west-1b'] });
      const findings = await endpointServiceZones(assembly(), ctx);
      expect(findings).toEqual([
        expect.objectContaining({
          template: 'Project.product.template.json',
          subject: 'aws.sagemaker.eu-west-1.notebook',
        }),
      ]);
      expect(findings[0].message).toMatch(/not offered in eu-west-1c \(offered in eu-west-1a, eu-west-1b\).*Notebook/);
    });

    test('fails when a service is missing in the second AZ: test and prod launches use it', async () => {
      const { ctx, mocks } = setup();
      offer(mocks.ec2, { 'com.amazonaws.eu-west-1.sts': ['eu-west-1a', 'eu-west-1c'] });
      const [finding] = await endpointServiceZones(assembly(), ctx);
      expect(finding.message).toMatch(/not offered in eu-west-1b .*EnvType=test.*EnvType=prod/);
      expect(finding.message).not.toMatch(/EnvType=dev/);
    });

    test('fails when the region has fewer AZs than the subnets select', async () => {
      const { ctx, mocks } = setup();
      mocks.ec2.on(DescribeAvailabilityZonesCommand).resolves({
        AvailabilityZones: [{ ZoneName: 'eu-west-1a' }, { ZoneName: 'eu-west-1b' }],
      });
      const findings = await endpointServiceZones(assembly(), ctx);
      expect(findings).toEqual([expect.objectContaining({ subject: 'Subnet2' })]);
      expect(findings[0].message).toMatch(/index 2; eu-west-1 offers 2 AZs/);
    });

    test('fails when a service is not offered in the region at all', async () => {
      const { ctx, mocks } = setup();
      mocks.ec2
        .on(DescribeVpcEndpointServicesCommand, { ServiceNames: ['aws.sagemaker.eu-west-1.notebook'] })
        .rejects(error('InvalidServiceName', "The Vpc Endpoint Service 'aws.sagemaker...' does not exist"));
      expect((await endpointServiceZones(assembly(), ctx)).map((f) => f.message)).toEqual([
        expect.stringMatching(/aws.sagemaker.eu-west-1.notebook is not offered as an interface endpoint service/),
      ]);
    });
  });

  describe('CodeCommit', () => {
    test('fails when CodeCommit is unavailable to the account', async () => {
      const { ctx, mocks } = setup();
      mocks.codecommit
        .on(ListRepositoriesCommand)
        .rejects(error('OperationNotAllowedException', 'CreateRepository request is not allowed'));
      const findings = await codeCommitAvailability(assembly(), ctx);
      expect(findings).toEqual([
        expect.objectContaining({ template: 'Project.product.template.json', subject: 'Repository' }),
      ]);
      expect(findings[0].message).toMatch(/^CodeCommit is not available to this account in eu-west-1/);
    });

    test('is not asked when no template creates a repository', async () => {
      const { ctx, mocks } = setup();
      const { Repository: _, ...resources } = PROJECT.Resources;
      expect(await codeCommitAvailability(assembly(undefined, { ...PROJECT, Resources: resources }), ctx)).toEqual([]);
      expect(mocks.codecommit.commandCalls(ListRepositoriesCommand)).toHaveLength(0);
    });
  });

  describe('CDK bootstrap', () => {
    test('fails when the account is not bootstrapped', async () => {
      const { ctx, mocks } = setup();
      mocks.ssm.on(GetParameterCommand).rejects(error('ParameterNotFound'));
      expect((await bootstrapVersion(assembly(), ctx, MANIFEST)).map((f) => f.message)).toEqual([
        expect.stringMatching(/not bootstrapped in eu-west-1.*run 'npx cdk bootstrap aws:\/\/111122223333\/eu-west-1'/),
      ]);
    });

    test('fails when the bootstrap stack is older than the assembly requires', async () => {
      const { ctx, mocks } = setup();
      mocks.ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '5' } });
      expect((await bootstrapVersion(assembly(), ctx, MANIFEST)).map((f) => f.message)).toEqual([
        expect.stringMatching(/version 5, below the 6 that Shared.assets, Shared require/),
      ]);
    });

    test('fails when the assembly has no manifest to read the requirement from', async () => {
      const { ctx } = setup();
      expect((await bootstrapVersion(assembly(), ctx, undefined)).map((f) => f.message)).toEqual([
        expect.stringMatching(/^cannot check: no manifest.json artifact/),
      ]);
    });
  });

  test('stops on credential errors instead of reporting every check as unchecked', async () => {
    const { ctx, mocks } = setup();
    mocks.lambda.on(GetAccountSettingsCommand).rejects(error('ExpiredTokenException', 'The security token expired'));
    await expect(accountFindings(assembly(), ctx)).rejects.toThrow('The security token expired');
  });
});

describe('preflight CLI with --account', () => {
  const run = async (argv: string[], env: NodeJS.ProcessEnv, clients?: AccountClients) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, {
      env,
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      clients: () => clients ?? setup().clients,
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  test('fails with one line naming --region and AWS_REGION when no region is given', async () => {
    const { code, err, out } = await run(['--account', '--assembly', dir], {});
    expect(code).toBe(2);
    expect(err).toBe('preflight --account: no region: pass --region R or set AWS_REGION.');
    expect(out).toBe('');
  });

  test('names --profile, without a stack trace, when there are no credentials', async () => {
    const { clients, mocks } = setup();
    mocks.sts.on(GetCallerIdentityCommand).rejects(error('CredentialsProviderError', 'Could not load credentials'));
    const { code, err } = await run(['--account', '--assembly', dir], { AWS_REGION: REGION }, clients);
    expect(code).toBe(2);
    expect(err).toMatch(/^preflight --account: no usable AWS credentials .*--profile P\.$/);
    expect(err).not.toMatch(/\n\s+at /);
  });

  test('runs the account checks after the offline ones and exits 1 on an account finding', async () => {
    const { clients, mocks } = setup();
    expect((await run(['--account', '--region', REGION, '--assembly', dir], {}, clients)).out).toMatch(
      /✓ account: 0 findings/,
    );
    mocks.ssm.on(GetParameterCommand).rejects(error('ParameterNotFound'));
    const { code, out } = await run(['--account', '--region', REGION, '--assembly', dir], {}, clients);
    expect(code).toBe(1);
    expect(out).toMatch(/✗ account: 1 finding\n {2}- manifest.json \/cdk-bootstrap\/hnb659fds\/version/);
  });

  test('without --account, nothing calls AWS', async () => {
    const { code, out } = await run(['--assembly', dir], {});
    expect(code).toBe(0);
    expect(out).toMatch(/- account: not run/);
    expect((await run(['--region', REGION], {})).code).toBe(2);
  });
});

describe('preflight --account over the synthesized platform (mocked AWS)', () => {
  const synth = synthesize();

  test('a roomy account passes; the prod project VPC gets every interface endpoint in three AZs', async () => {
    const { ctx, mocks } = setup();
    const platform = loadAssembly(synth.outdir);
    expect(await accountFindings(platform, ctx)).toEqual([]);
    const asked = mocks.ec2
      .commandCalls(DescribeVpcEndpointServicesCommand)
      .flatMap((c) => c.args[0].input.ServiceNames);
    expect(asked).toEqual(
      expect.arrayContaining([
        'aws.sagemaker.eu-west-1.notebook',
        'com.amazonaws.eu-west-1.sagemaker.api',
        'com.amazonaws.eu-west-1.sts',
        'com.amazonaws.eu-west-1.codecommit',
        'com.amazonaws.eu-west-1.ecr.dkr',
      ]),
    );
    // Eleven interface endpoints in a prod project VPC with container images (the mirror's included): a quota of 8
    // is too small. (Sized with ContainerImages=Enabled: a condition switches the ECR endpoints on.)
    mocks.quotas.on(GetServiceQuotaCommand, { QuotaCode: 'L-29B6F2EB' }).resolves({ Quota: { Value: 8 } });
    expect((await vpcQuotas(platform, ctx)).map((f) => f.message)).toEqual([
      expect.stringMatching(/EnvType=prod.*ContainerImages=Enabled.*11 interface endpoints in one VPC/),
    ]);
    // Every project endpoint service sits in the third AZ in prod.
    offer(mocks.ec2, { 'com.amazonaws.eu-west-1.logs': ['eu-west-1a', 'eu-west-1b'] });
    expect((await endpointServiceZones(platform, ctx)).map((f) => f.subject)).toEqual(['com.amazonaws.eu-west-1.logs']);
  });
});
