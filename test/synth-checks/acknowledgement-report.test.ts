import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import {
  Acknowledgement,
  acknowledgementsIn,
  packAndRule,
  REPORT_FILES,
  synthesizeWithReport,
  toCsv,
  toMarkdown,
} from '../../lib/synth-checks/acknowledgement-report';
import { buildPlatform } from '../../lib/platform';
import { cachedCloudFormationValidation } from '../../lib/synth-checks/schema-validation';
import { main as report } from '../../scripts/report';
import { CDK_JSON_CONTEXT, testConfig } from '../helpers/synth';

/** A small RFC 4180 reader, to read the CSV back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      row.push(cell);
      cell = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      rows.push([...row, cell]);
      row = [];
      cell = '';
      i++;
    } else {
      cell += c;
    }
  }
  return rows;
}

describe("the auditor's report of acknowledged findings", () => {
  // Synthesized as `cdk synth` does it through bin/app.ts, with the path metadata the CLI turns on.
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-'));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));
  const app = new App({ outdir, context: { ...CDK_JSON_CONTEXT, 'aws:cdk:enable-path-metadata': true } });
  buildPlatform(app, testConfig());
  // The schema validation bin/app.ts registers (addGuardrails), cached per template content; without
  // it aws-cdk-lib would add its own, uncached. The report does not depend on either.
  Validations.of(app).addPlugins(cachedCloudFormationValidation());
  synthesizeWithReport(app);
  const rows = acknowledgementsIn(outdir);
  const key = (a: { rule: string; resource: string }) => `${a.rule} @ ${a.resource}`;

  /** Every Validations acknowledgement on the construct tree, product stacks included. */
  const inTree: { rule: string; resource: string; reason: string }[] = [];
  const visit = (c: IConstruct) => {
    for (const entry of c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)) {
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        inTree.push({ rule: packAndRule(id).rule, resource: c.node.path, reason: reason });
      }
    }
    c.node.children.forEach(visit);
  };
  visit(app);

  test('synthesis writes it as Markdown and CSV into the assembly', () => {
    const csv = parseCsv(fs.readFileSync(path.join(outdir, REPORT_FILES.csv), 'utf8'));
    expect(csv[0]).toEqual(['rule', 'pack', 'resource', 'reason']);
    expect(csv.slice(1)).toEqual(rows.map((r) => [r.rule, r.pack, r.resource, r.reason]));
    const markdown = fs.readFileSync(path.join(outdir, REPORT_FILES.markdown), 'utf8');
    expect(markdown.split('\n').filter((l) => l.startsWith('| `'))).toHaveLength(rows.length);
  });

  test('lists every acknowledgement on the construct tree, with its reason, product stacks included', () => {
    expect(inTree.length).toBeGreaterThan(100);
    const reported = new Map(rows.map((r) => [key(r), r.reason]));
    expect(inTree.filter((a) => reported.get(key(a)) !== a.reason)).toEqual([]);
    expect(inTree.some((a) => a.resource.startsWith('AdminPortfolio/ProjectEnvironment/'))).toBe(true);
  });

  test('adds only the cfn-lint acknowledgements, which live in template metadata alone', () => {
    const tree = new Set(inTree.map(key));
    const extra = rows.filter((r) => !tree.has(key(r)));
    expect(extra.length).toBeGreaterThan(0);
    expect(extra.filter((r) => r.pack !== 'CloudFormation schema' || !/^[EW]\d{4}$/.test(r.rule))).toEqual([]);
  });

  test('names the pack of each rule', () => {
    const packs = new Set(rows.map((r) => r.pack));
    expect([...packs].sort()).toEqual([
      'AwsSolutions',
      'CloudFormation schema',
      'Control Tower (cfn-guard)',
      'HIPAA.Security',
      'NIST.800.53.R5',
      'PCI.DSS.321',
    ]);
    expect(rows).toContainEqual({
      pack: 'Control Tower (cfn-guard)',
      rule: 's3_bucket_logging_enabled_check',
      resource: 'AdminPortfolio/ProjectEnvironment/Storage/AccessLogs/Bucket/Resource',
      reason: expect.stringMatching(/access-log destination/),
    });
    expect(rows).toContainEqual(
      expect.objectContaining({
        pack: 'CloudFormation schema',
        rule: 'W3005',
        resource: 'SharedServices/PypiMirror/Service/Service',
      }),
    );
    expect(packAndRule('Annotation::NIST.800.53.R5-IAMNoInlinePolicy')).toEqual({
      pack: 'NIST.800.53.R5',
      rule: 'NIST.800.53.R5-IAMNoInlinePolicy',
    });
    expect(packAndRule('Annotation::AwsSolutions-IAM5[Resource::arn:aws:s3:::b/*]')).toEqual({
      pack: 'AwsSolutions',
      rule: 'AwsSolutions-IAM5[Resource::arn:aws:s3:::b/*]',
    });
  });

  // A guardrail test (moved from test/guardrails.test.ts): it reads the same construct tree.
  test('every acknowledgement sits on a resource, not a stack or the app, with a specific reason', () => {
    const acknowledgements: { path: string; id: string; reason: string; onStack: boolean }[] = [];
    const visit = (c: IConstruct) => {
      for (const entry of c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)) {
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          acknowledgements.push({ path: c.node.path, id, reason, onStack: c instanceof Stack || c instanceof App });
        }
      }
      c.node.children.forEach(visit);
    };
    visit(app);
    expect(acknowledgements.length).toBeGreaterThan(0);
    expect(acknowledgements.filter((a) => a.onStack)).toEqual([]);
    expect(acknowledgements.filter((a) => a.reason.length < 60)).toEqual([]);
  });

  test('escapes what would break a CSV cell or a Markdown table', () => {
    const tricky: Acknowledgement[] = [
      {
        pack: 'AwsSolutions',
        rule: 'AwsSolutions-IAM4[Policy::<AWS::Partition>|x]',
        resource: 'S/R',
        reason: 'a, "b"\nc | <d>',
      },
    ];
    expect(parseCsv(toCsv(tricky))[1]).toEqual([tricky[0].rule, 'AwsSolutions', 'S/R', 'a, "b"\nc | <d>']);
    const line = toMarkdown(tricky)
      .split('\n')
      .find((l) => l.startsWith('| `'));
    expect(line).toBe(
      '| `AwsSolutions-IAM4[Policy::<AWS::Partition>\\|x]` | AwsSolutions | `S/R` | a, "b" c \\| &lt;d&gt; |',
    );
  });

  test('npm run report writes the same files from an existing assembly', () => {
    fs.rmSync(path.join(outdir, REPORT_FILES.csv));
    const out: string[] = [];
    expect(report([outdir], { out: (t) => out.push(t), err: () => undefined })).toBe(0);
    expect(out).toEqual([expect.stringMatching(new RegExp(`^report: ${rows.length} acknowledged findings in `))]);
    expect(fs.existsSync(path.join(outdir, REPORT_FILES.csv))).toBe(true);
  });
});
