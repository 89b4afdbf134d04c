import { CfnTemplate } from '../../scripts/preflight/cfn-resolve';
import { crossTemplate } from '../../scripts/preflight/cross-template';
import { dynamicReferences } from '../../scripts/preflight/dynamic-references';
import { Finding } from '../../scripts/preflight/finding';
import { iamQuota } from '../../scripts/preflight/iam-quota';
import { lambdaDeploy } from '../../scripts/preflight/lambda-deploy';
import { Assembly, loadAssembly } from '../../scripts/preflight/launch';
import { allFindings } from '../../scripts/preflight/run';
import { serviceKeyAccess } from '../../scripts/preflight/service-key-access';
import { synthesize } from '../helpers/synth';
import { TEST_NAMES } from '../helpers/names';

// GIVEN today's synthesized assembly (the run's shared, read-only one).
const synthesized = synthesize();
const assembly = loadAssembly(synthesized.outdir);

const file = (prefix: string) => {
  const found = Object.keys(assembly.templates).filter((f) => f.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one template starting with ${prefix}, found ${found.join(', ')}`);
  return found[0];
};
const PROJECT = file('AdminPortfolioProjectEnvironment6');
const DETECTIVE = file('DetectiveControl');
const SHARED = file('SharedServices');

/** A copy of the assembly with one template changed. */
function mutate(name: string, change: (t: CfnTemplate) => void): Assembly {
  const templates = JSON.parse(JSON.stringify(assembly.templates)) as Record<string, CfnTemplate>;
  change(templates[name]);
  return { ...assembly, templates };
}

const idOf = (t: CfnTemplate, type: string, predicate: (id: string) => boolean = () => true) => {
  const ids = Object.keys(t.Resources).filter((id) => t.Resources[id].Type === type && predicate(id));
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.join(', ')}`);
  return ids[0];
};
const subjects = (findings: Finding[]) => findings.map((f) => `${f.template}:${f.subject}`);

describe("mutation tests: each blocker kind re-introduced into today's templates is reported", () => {
  test('iam-quota reports a managed policy inflated past 85%', () => {
    const mutated = mutate(SHARED, (t) => {
      const id = idOf(t, 'AWS::IAM::ManagedPolicy', (i) => i.startsWith('PypiMirrorReadPackages'));
      const statements = t.Resources[id].Properties!.PolicyDocument as { Statement: object[] };
      const resources = Array.from({ length: 140 }, (_, i) => `arn:aws:s3:::approved-packages-${i}/*`);
      statements.Statement.push({ Effect: 'Allow', Action: 's3:GetObject', Resource: resources });
    });
    expect(subjects(iamQuota(mutated))).toContain(
      `${SHARED}:${idOf(mutated.templates[SHARED], 'AWS::IAM::ManagedPolicy', (i) => i.startsWith('PypiMirrorReadPackages'))}`,
    );
  });

  test('dynamic-references reports Fn::Select over Fn::Split of {{resolve:ssm}}', () => {
    const mutated = mutate(SHARED, (t) => {
      const id = idOf(t, 'AWS::EC2::VPCEndpoint', (i) => i.startsWith('NetworkVpcEcrApi'));
      t.Resources[id].Properties!.SubnetIds = [
        {
          'Fn::Select': [
            1,
            { 'Fn::Split': [',', `{{resolve:ssm:${TEST_NAMES.sharedParameter('')}network/subnet-ids}}`] },
          ],
        },
      ];
    });
    expect(dynamicReferences(mutated).filter((f) => f.template === SHARED)).toHaveLength(1);
  });

  test('service-key-access reports a key policy without its service statement', async () => {
    const mutated = mutate(SHARED, (t) => {
      const key = idOf(t, 'AWS::KMS::Key', (i) => i.startsWith('PypiMirrorLogsKey'));
      const policy = t.Resources[key].Properties!.KeyPolicy as { Statement: { Sid?: string }[] };
      policy.Statement = policy.Statement.filter((s) => s.Sid !== 'CloudWatchLogsInThisAccount');
    });
    const findings = (await serviceKeyAccess(mutated)).filter((f) => f.template === SHARED);
    expect(findings.map((f) => f.subject)).toEqual([
      idOf(mutated.templates[SHARED], 'AWS::Logs::LogGroup', (i) => i.startsWith('PypiMirrorLogs')),
    ]);
  });

  test('lambda-deploy reports a function whose DependsOn on its dead-letter policy is dropped', async () => {
    const networkControl = (id: string) => id.startsWith('SageMakerNetworkControl');
    // Today's template already lacks it; this mutation adds it and then checks the finding follows the DependsOn.
    const withDependency = mutate(DETECTIVE, (t) => {
      const fn = idOf(t, 'AWS::Lambda::Function', networkControl);
      const policy = idOf(t, 'AWS::IAM::ManagedPolicy', networkControl);
      t.Resources[fn].DependsOn = [...[t.Resources[fn].DependsOn ?? []].flat(), policy];
      delete t.Resources[fn].Properties!.ReservedConcurrentExecutions;
    });
    expect(await lambdaDeploy(withDependency)).toEqual([]);
    const dropped = JSON.parse(JSON.stringify(withDependency)) as Assembly;
    const t = dropped.templates[DETECTIVE];
    t.Resources[idOf(t, 'AWS::Lambda::Function', networkControl)].DependsOn = [];
    expect((await lambdaDeploy(dropped)).map((f) => f.message)).toEqual([expect.stringMatching(/does not depend on/)]);
  });

  test('lambda-deploy reports reserved concurrency', async () => {
    const mutated = mutate(SHARED, (t) => {
      t.Resources[
        idOf(t, 'AWS::Lambda::Function', (i) => i.startsWith('AWS679f'))
      ].Properties!.ReservedConcurrentExecutions = 1;
    });
    expect(subjects(await lambdaDeploy(mutated))).toContain(
      `${SHARED}:${idOf(mutated.templates[SHARED], 'AWS::Lambda::Function', (i) => i.startsWith('AWS679f'))}`,
    );
  });

  test('cross-template reports endpoint AZs the mirror load balancer lacks', () => {
    // Even dev (one subnet, AZ index 0) breaks when the load balancer leaves AZ 0.
    const mutated = mutate(SHARED, (t) => {
      const lb = idOf(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
      const second = idOf(t, 'AWS::EC2::Subnet', (i) => i.includes('Subnet2'));
      t.Resources[lb].Properties!.Subnets = [{ Ref: second }];
    });
    const messages = crossTemplate(mutated)
      .filter((f) => f.subject.startsWith('NetworkPypiMirror'))
      .map((f) => f.message);
    expect(messages).toEqual(expect.arrayContaining([expect.stringMatching(/EnvType=dev.*AZ index 0/)]));
  });

  test('cross-template reports a retained resource with a fixed name', () => {
    const mutated = mutate(PROJECT, (t) => {
      t.Resources.FixedRetained = {
        Type: 'AWS::Logs::LogGroup',
        DeletionPolicy: 'Retain',
        Properties: { LogGroupName: `/${TEST_NAMES.prefix}/fixed` },
      };
    });
    const messages = crossTemplate(mutated)
      .filter((f) => f.subject === 'FixedRetained')
      .map((f) => f.message);
    expect(messages).toEqual(
      expect.arrayContaining([expect.stringMatching(/^relaunch fails/), expect.stringMatching(/second project/)]),
    );
  });
});

describe('the synthesized assembly deploys and launches', () => {
  test.each([
    ['iam-quota', () => iamQuota(assembly)],
    ['dynamic-references', () => dynamicReferences(assembly)],
    ['service-key-access', () => serviceKeyAccess(assembly)],
    ['lambda-deploy', () => lambdaDeploy(assembly)],
    ['cross-template', () => crossTemplate(assembly)],
  ])('%s finds nothing', async (_check, run) => {
    expect(await run()).toEqual([]);
  });

  test('preflight reports nothing, the launch-role check included', async () => {
    expect(await allFindings(assembly)).toEqual([]);
  }, 120_000);
});
