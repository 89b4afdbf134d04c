import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { controlTowerFindings, schemaFindings, templatesIn } from '../../scripts/check-templates';
import { CfnTemplate, synthesize } from '../helpers/synth';

describe('check:templates', () => {
  const synthesized = synthesize();
  const files = templatesIn(synthesized.outdir);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'check-'));
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
  const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as CfnTemplate;
  const write = (name: string, template: CfnTemplate) => {
    const file = path.join(scratch, name);
    fs.writeFileSync(file, JSON.stringify(template));
    return file;
  };

  test('checks stack and product templates alike', () => {
    expect(files.filter((f) => f.endsWith('.product.template.json'))).toHaveLength(3);
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  test('finds nothing unacknowledged in the synthesized templates', () => {
    expect(controlTowerFindings(files)).toEqual([]);
    expect(schemaFindings(files)).toEqual([]);
  });

  test('fails when a product template breaks a Control Tower rule', () => {
    const source = files.find((f) => /ProjectEnvironment[0-9A-F]+\.product\.template\.json$/.test(f))!;
    const template = read(source);
    for (const resource of Object.values(template.Resources).filter((r) => r.Type === 'AWS::KMS::Key')) {
      const policy = resource.Properties!.KeyPolicy as { Statement: { Sid?: string }[] };
      policy.Statement = policy.Statement.filter((s) => s.Sid !== 'GrantsOnlyForAwsServices');
    }
    const findings = controlTowerFindings([write('project.product.template.json', template)]);
    expect(findings).toEqual([
      expect.objectContaining({
        template: 'project.product.template.json',
        rule: 'kms_create_grant_aws_service_check',
        resource: expect.stringMatching(/^Key/),
      }),
    ]);
  });

  test('fails when an acknowledgement is removed from the resource', () => {
    const source = files.find((f) => f.endsWith('AdminPortfolio.template.json'))!;
    const template = read(source);
    for (const resource of Object.values(template.Resources)) delete resource.Metadata?.guard;
    const rules = controlTowerFindings([write('portfolio.template.json', template)]).map(
      (f) => `${f.rule} ${f.resource}`,
    );
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^s3_bucket_logging_enabled_check AccessLogsBucket/),
        expect.stringMatching(/^s3_bucket_default_encryption_kms_check AccessLogsBucket/),
        expect.stringMatching(/^lambda_inside_vpc_check CustomCDKBucketDeployment/),
      ]),
    );
  });

  test('fails on a template the CloudFormation schema rejects', () => {
    const broken: CfnTemplate = {
      Resources: {
        Bucket: { Type: 'AWS::S3::Bucket', Properties: { VersioningConfiguration: { Status: 'Sometimes' } } },
      },
    };
    const findings = schemaFindings([write('broken.template.json', broken)]);
    expect(findings).toEqual([expect.objectContaining({ checker: 'schema', resource: 'Bucket' })]);
  });

  test('says what to do when there is nothing to check', () => {
    expect(() => templatesIn(path.join(scratch, 'missing'))).toThrow(/run 'npm run synth' first/);
  });
});
