import { conditionValue } from '../../scripts/preflight/cfn-resolve';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COVERED_EVENT_NAMES } from '../../lambda/detective-control/rules';
import { loadConfig } from '../../lib/config/config';
import { ENV_TYPES } from '../../lib/config/names';
import { COST_OPTIONS, idleMonthlyCost } from '../../scripts/cost';
import { CDK_JSON_CONTEXT, synthesize } from '../helpers/synth';
import { TEST_NAMES } from '../helpers/names';

/** The README and docs state numbers and lists the code produces: each is checked against it here. */
const ROOT = path.join(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const architecture = fs.readFileSync(path.join(ROOT, 'docs', 'architecture.md'), 'utf8');
const synthesized = synthesize();
const template = synthesized.product(synthesized.platform.portfolio.projectEnvironment);

describe('the documentation states what the code produces', () => {
  test("the README's configuration table lists exactly the settings the app reads", () => {
    const asked = new Set<string>();
    loadConfig((key) => {
      asked.add(key);
      return CDK_JSON_CONTEXT[key];
    });
    const documented = [...readme.matchAll(/^\| `(\w+)`\s+\|/gm)].map((m) => m[1]);
    expect(documented.length).toBeGreaterThan(5);
    expect([...new Set(documented)].sort()).toEqual([...asked].sort());
  });

  test("the README's idle cost table is what npm run cost computes", () => {
    for (const envType of ENV_TYPES) {
      const row = new RegExp(`^\\| ${envType}\\s+\\| (\\d+)\\s+\\| (\\d+)\\s+\\| \\**\\$([\\d.]+)\\**`, 'm').exec(
        readme,
      );
      expect([envType, row !== null]).toEqual([envType, true]);
      const { lines, total } = idleMonthlyCost(template as never, envType);
      const quantity = (prefix: string) => lines.find((l) => l.item.startsWith(prefix))!.quantity;
      expect([envType, Number(row![1]), Number(row![2]), row![3]]).toEqual([
        envType,
        quantity('interface endpoints'),
        quantity('KMS'),
        total.toFixed(2),
      ]);
    }
  });

  test("the README's cost of each launch option is what npm run cost computes", () => {
    for (const [option, value] of Object.entries(COST_OPTIONS)) {
      const sentence = new RegExp(
        `\`${option}=${value}\`[^]*?\\+\\$([\\d.]+) in dev, \\+\\$([\\d.]+) in test and \\+\\$([\\d.]+) in prod`,
      ).exec(readme);
      expect([option, sentence !== null]).toEqual([option, true]);
      const extra = ENV_TYPES.map((envType) =>
        (
          idleMonthlyCost(template as never, envType, { [option]: value }).total -
          idleMonthlyCost(template as never, envType).total
        ).toFixed(2),
      );
      // Studio adds no fixed cost (no endpoint, no key): the estimate says so rather than leaving it out.
      expect(extra.every((e) => Number(e) >= 0)).toBe(true);
      expect(sentence!.slice(1)).toEqual(extra);
    }
  });

  test('the architecture page counts the resources one launch creates', () => {
    const [, devAndTest, prod] = /\((\d+) resources in dev and test, (\d+) in prod\)/.exec(architecture) ?? [];
    // A launch with the defaults: conditional resources counted where their condition holds (the prod-only
    // notebook endpoint, the budget and its stop; not the optional TLS zone, ECR endpoints or alert email).
    const created = (envType: string, studio = 'Disabled') => {
      const ctx = {
        account: '111122223333',
        region: 'eu-west-1',
        parameters: { ProjectName: 'alpha', EnvType: envType, Studio: studio },
        ssm: { [`${TEST_NAMES.sharedParameter('')}mirror/domain-name`]: 'none' },
      };
      return Object.values(template.Resources).filter(
        (r) => r.Type !== 'AWS::CDK::Metadata' && (!r.Condition || conditionValue(r.Condition, template, ctx)),
      ).length;
    };
    expect([Number(devAndTest), Number(prod)]).toEqual([created('dev'), created('prod')]);
    expect(created('test')).toBe(created('dev'));
    const [, studioMore] = /with `Studio=Enabled`, (\d+) more/.exec(architecture) ?? [];
    expect(Number(studioMore)).toBe(created('dev', 'Enabled') - created('dev'));
    const [, studioEnv] = /adds \((\d+) resources\) and its portfolio/.exec(architecture) ?? [];
    expect(Number(studioEnv)).toBe(Number(studioMore));
  });

  test("the architecture page lists exactly the detective control's covered APIs", () => {
    const bullet = architecture.slice(architecture.indexOf('**EventBridge rule**'), architecture.indexOf('**Lambda**'));
    const listed = [...bullet.matchAll(/`((?:Create|Update)\w+)`/g)].map((m) => m[1]);
    expect([...new Set(listed)].sort()).toEqual([...COVERED_EVENT_NAMES].sort());
  });
});

describe('the documentation says where each product template is served from', () => {
  const loadUrl = (t: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> }) =>
    Object.values(t.Resources)
      .filter((r) => r.Type === 'AWS::ServiceCatalog::CloudFormationProduct')
      .map((r) => JSON.stringify(r.Properties!.ProvisioningArtifactParameters));
  test('the Project Environment from the CDK bootstrap bucket, the Notebook product from the catalog asset bucket', () => {
    const [environment] = loadUrl(synthesized.stack('portfolio').toJSON() as never);
    const [notebook] = loadUrl(template as never);
    expect(environment).toMatch(/cdk-[a-z0-9]+-assets-/);
    expect(notebook).toContain(`${synthesized.config.assetBucketName}.s3.`);
    expect(readme).toMatch(
      /Project\s+Environment\s+template\s+is\s+served\s+from\s+the\s+CDK\s+bootstrap\s+assets\s+bucket/,
    );
    expect(readme).toMatch(/Notebook\s+product's\s+template[^.]*go\s+to\s+the\s+catalog\s+asset\s+bucket/);
  });
});
