import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { addGuardrails } from '../lib/platform';
import { synthesize } from './helpers/synth';

interface Report {
  pluginReports: { pluginName: string; conclusion: string; violations: unknown[] }[];
}

describe('synth-time guardrails', () => {
  const afterTest: (() => void)[] = [];
  afterEach(() => afterTest.splice(0).forEach((clean) => clean()));
  const synthesized = synthesize({ guardrails: true });
  // That every acknowledgement sits on a resource with a specific reason is checked on the construct
  // tree the acknowledgement report is made from (test/synth-checks/acknowledgement-report.test.ts).

  test('synthesis with every guardrail succeeds: no unacknowledged finding in any stack or product', () => {
    // synthesize() would have thrown on any finding; the report confirms nothing failed.
    const report = JSON.parse(
      fs.readFileSync(path.join(synthesized.outdir, 'validation-report.json'), 'utf8'),
    ) as Report;
    expect(report.pluginReports.filter((r) => r.conclusion !== 'success' || r.violations.length > 0)).toEqual([]);
  });

  test('fails synthesis when a resource breaks a rule', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'bad-')) });
    afterTest.push(() => fs.rmSync(app.outdir, { recursive: true, force: true }));
    const stack = new Stack(app, 'Bad');
    new s3.Bucket(stack, 'PlainBucket');
    addGuardrails(app);
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
    const report = JSON.parse(fs.readFileSync(path.join(app.outdir, 'validation-report.json'), 'utf8')) as Report;
    fs.rmSync(app.outdir, { recursive: true, force: true });
    const failing = report.pluginReports.filter((r) => r.conclusion === 'failure').map((r) => r.pluginName);
    expect(failing).toEqual(
      expect.arrayContaining([
        'AwsSolutions',
        'HIPAA.Security',
        'NIST.800.53.R5',
        'PCI.DSS.321',
        'cdk-validator-cfnguard',
      ]),
    );
  });
});
