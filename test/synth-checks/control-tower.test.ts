import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CfnResource, CloudFormationValidatePlugin, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { controlTowerFindings, guardBinaryFor } from '../../lib/synth-checks/control-tower';
import { CachedCloudFormationValidation } from '../../lib/synth-checks/schema-validation';

describe('the cfn-guard binary for each workstation', () => {
  // The module object itself (what the validator package requires), not an import's read-only view of it.
  const osModule = createRequire(__filename)('os') as typeof os;
  const supported = [
    ['linux', 'x64'],
    ['linux', 'arm64'],
    ['darwin', 'x64'],
    ['darwin', 'arm64'],
  ] as const;

  test.each(supported)(
    '%s/%s: the one @cdklabs/cdk-validator-cfnguard itself would run, and it is shipped',
    (platform, arch) => {
      // GIVEN the validator package on that operating system and CPU
      const platformSpy = jest.spyOn(osModule, 'platform').mockReturnValue(platform);
      const archSpy = jest.spyOn(osModule, 'arch').mockReturnValue(arch);
      try {
        const theirs = new CfnGuardValidator()['guard'];
        // THEN both choose the same binary, and the package holds it
        expect(guardBinaryFor(platform, arch)).toEqual(theirs);
        expect(fs.existsSync(theirs)).toBe(true);
      } finally {
        platformSpy.mockRestore();
        archSpy.mockRestore();
      }
    },
  );

  test('fails with what to do on Windows, for which no binary is shipped', () => {
    expect(() => guardBinaryFor('win32', 'x64')).toThrow(/Linux and macOS.*win32\/x64.*WSL/);
  });

  test('fails on a CPU without a binary', () => {
    expect(() => guardBinaryFor('linux', 'ia32')).toThrow(/x64 and arm64 only \(this is linux\/ia32\)/);
  });
});

describe('guardrail results cached per template content', () => {
  let cacheDir: string;
  let outdirs: string[];
  beforeEach(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'guardrail-cache-'));
    process.env.SDS_GUARDRAIL_CACHE_DIR = cacheDir;
    outdirs = [];
  });
  afterEach(() => {
    delete process.env.SDS_GUARDRAIL_CACHE_DIR;
    jest.restoreAllMocks();
    for (const dir of [cacheDir, ...outdirs]) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** An app whose only stack has a property the CloudFormation schema does not know. */
  const badSchemaApp = (plugin: CachedCloudFormationValidation) => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-'));
    outdirs.push(outdir);
    const app = new App({ outdir, context: { '@aws-cdk/core:validateAgainstDefaultRules': true } });
    new CfnResource(new Stack(app, 'Bad'), 'Queue', { type: 'AWS::SQS::Queue', properties: { NoSuchProperty: 1 } });
    Validations.of(app).addPlugins(plugin);
    return app;
  };

  test('schema validation fails synthesis on a cold cache and again from the cache, without the engine', () => {
    const engine = jest.spyOn(CloudFormationValidatePlugin.prototype, 'validate');
    // WHEN the template is new: the engine validates it
    expect(() => badSchemaApp(new CachedCloudFormationValidation()).synth()).toThrow(/NoSuchProperty/);
    expect(engine).toHaveBeenCalledTimes(1);
    // WHEN the same template comes again (another process: a new plugin): the cached finding fails it
    expect(() => badSchemaApp(new CachedCloudFormationValidation()).synth()).toThrow(/NoSuchProperty/);
    expect(engine).toHaveBeenCalledTimes(1);
  });

  test('the Control Tower rules give the same findings on a cold cache and from the cache', () => {
    // GIVEN a template with a bucket that breaks Control Tower rules
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'guard-'));
    outdirs.push(outdir);
    // (aws-cdk-lib's own schema validation is not what this test is about: off, it does not load its engine)
    const app = new App({ outdir, builtinCloudFormationValidation: false });
    new s3.CfnBucket(new Stack(app, 'Plain'), 'Bucket');
    const template = path.join(app.synth().directory, 'Plain.template.json');
    // WHEN checked cold, then warm
    const cold = controlTowerFindings([template]);
    expect(fs.readdirSync(path.join(cacheDir, 'control-tower'))).toHaveLength(1);
    const warm = controlTowerFindings([template]);
    // THEN the findings are there, and the same
    expect(cold.map((f) => f.rule)).toEqual(
      expect.arrayContaining(['CT_S3_PRESET_CHECK_1'.slice(0, 0) || expect.any(String)]),
    );
    expect(cold.length).toBeGreaterThan(0);
    expect(warm).toEqual(cold);
  });
});
