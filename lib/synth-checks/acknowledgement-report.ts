/**
 * The auditor's report: every acknowledged guardrail finding in a cloud assembly, as Markdown and CSV
 * beside the templates (cdk.out/acknowledgements.md, cdk.out/acknowledgements.csv).
 *
 * Read from the assembly, not the construct tree, so it describes exactly what was synthesized:
 * - `Validations.acknowledge` records (cdk-nag packs, Control Tower guard rules, the schema validator)
 *   are stack metadata, product stacks' included (under their parent stack's path);
 * - guard and cfn-lint acknowledgements written into a template's resource metadata
 *   (lib/constructs/acknowledgements/acknowledge.ts), which is what `check:templates` honours.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';

/** One acknowledged finding. */
export interface Acknowledgement {
  /** The rule pack, e.g. `AwsSolutions`, `Control Tower (cfn-guard)`. */
  readonly pack: string;
  /** The rule id as the pack reports it, with the finding in brackets where it has one. */
  readonly rule: string;
  /** Construct path of the resource (or construct) the acknowledgement sits on. */
  readonly resource: string;
  readonly reason: string;
}

export const REPORT_FILES = { markdown: 'acknowledgements.md', csv: 'acknowledgements.csv' } as const;

const GUARD_NAMESPACE = 'cdk-validator-cfnguard';
const SCHEMA_NAMESPACE = 'CloudFormation-Validate';
const PACK_NAMES: Record<string, string> = {
  [GUARD_NAMESPACE]: 'Control Tower (cfn-guard)',
  [SCHEMA_NAMESPACE]: 'CloudFormation schema',
};

/** Pack and rule of an acknowledged id: `Annotation::AwsSolutions-IAM5[...]`, `cdk-validator-cfnguard::rule`. */
export function packAndRule(id: string): { pack: string; rule: string } {
  const bare = id.replace(/^Annotation::/, '');
  const namespaced = /^([^:[]+)::(.+)$/.exec(bare);
  if (namespaced) return { pack: PACK_NAMES[namespaced[1]] ?? namespaced[1], rule: namespaced[2] };
  // cdk-nag: <pack>-<rule>[<finding>], the pack name itself may hold dots (NIST.800.53.R5).
  const nag = /^(.+?)-[A-Za-z0-9]+(\[.*\])?$/.exec(bare);
  return { pack: nag ? nag[1] : '(unknown)', rule: bare };
}

interface Manifest {
  artifacts?: Record<string, { type: string; additionalMetadataFile?: string; metadata?: MetadataMap }>;
}
type MetadataMap = Record<string, { type: string; data?: unknown }[]>;
interface Template {
  Resources?: Record<string, { Metadata?: Record<string, unknown> }>;
}

/** Every acknowledgement in the assembly in `dir`, once each, sorted by pack, rule and resource. */
export function acknowledgementsIn(dir: string): Acknowledgement[] {
  const found = new Map<string, Acknowledgement>();
  const add = (a: Acknowledgement) => {
    const resource = a.resource.replace(/^\//, '');
    found.set(`${a.pack}\n${a.rule}\n${resource}`, { ...a, resource });
  };
  const manifest = readJson<Manifest>(path.join(dir, 'manifest.json'));
  for (const artifact of Object.values(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const metadata: MetadataMap = {
      ...artifact.metadata,
      ...(artifact.additionalMetadataFile
        ? readJson<MetadataMap>(path.join(dir, artifact.additionalMetadataFile))
        : {}),
    };
    for (const [resource, entries] of Object.entries(metadata)) {
      for (const entry of entries) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          add({ ...packAndRule(id), resource, reason });
        }
      }
    }
  }
  // Template metadata: cfn-lint acknowledgements live only there; guard ones are also stack metadata
  // (acknowledgeGuardRule records both), so they are read here only where a path makes them the same row.
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.template.json'))) {
    for (const [logicalId, resource] of Object.entries(readJson<Template>(path.join(dir, file)).Resources ?? {})) {
      const cdkPath = resource.Metadata?.['aws:cdk:path'] as string | undefined;
      const guard = resource.Metadata?.guard as { Reasons?: Record<string, string> } | undefined;
      for (const [rule, reason] of cdkPath ? Object.entries(guard?.Reasons ?? {}) : []) {
        add({ pack: PACK_NAMES[GUARD_NAMESPACE], rule, resource: cdkPath!, reason });
      }
      const lint = resource.Metadata?.['cfn-lint'] as { reasons?: Record<string, string> } | undefined;
      for (const [rule, reason] of Object.entries(lint?.reasons ?? {})) {
        add({ pack: PACK_NAMES[SCHEMA_NAMESPACE], rule, resource: cdkPath ?? `${file}#${logicalId}`, reason });
      }
    }
  }
  return [...found.values()].sort(
    (a, b) => a.pack.localeCompare(b.pack) || a.rule.localeCompare(b.rule) || a.resource.localeCompare(b.resource),
  );
}

/** RFC 4180 CSV with a header row. */
export function toCsv(rows: readonly Acknowledgement[]): string {
  const cell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  const lines = [['rule', 'pack', 'resource', 'reason'], ...rows.map((r) => [r.rule, r.pack, r.resource, r.reason])];
  return lines.map((line) => line.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** A Markdown page: a count per pack, then one table row per acknowledgement. */
export function toMarkdown(rows: readonly Acknowledgement[]): string {
  // One line per cell, pipes escaped; `<...>` (as in <AWS::Partition>) must not read as HTML.
  const cell = (value: string) =>
    value
      .replace(/\s*\n\s*/g, ' ')
      .replace(/\|/g, '\\|')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;');
  const code = (value: string) => `\`${value.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|')}\``;
  const packs = [...new Set(rows.map((r) => r.pack))];
  return [
    '# Acknowledged guardrail findings',
    '',
    `${rows.length} acknowledgements, each on one resource with its reason. Generated from this cloud assembly.`,
    '',
    '| pack | acknowledgements |',
    '| --- | --- |',
    ...packs.map((p) => `| ${cell(p)} | ${rows.filter((r) => r.pack === p).length} |`),
    '',
    '| rule | pack | resource | reason |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${code(r.rule)} | ${cell(r.pack)} | ${code(r.resource)} | ${cell(r.reason)} |`),
    '',
  ].join('\n');
}

/** Synthesizes `app` and writes the report beside its templates (what `cdk synth` runs through bin/app.ts). */
export function synthesizeWithReport(app: App): CloudAssembly {
  const assembly = app.synth();
  writeAcknowledgementReport(assembly.directory);
  return assembly;
}

/** Writes the report into the assembly directory; returns the files and the number of rows. */
export function writeAcknowledgementReport(dir: string): { files: string[]; count: number } {
  const rows = acknowledgementsIn(dir);
  const files = [path.join(dir, REPORT_FILES.markdown), path.join(dir, REPORT_FILES.csv)];
  fs.writeFileSync(files[0], toMarkdown(rows));
  fs.writeFileSync(files[1], toCsv(rows));
  return { files, count: rows.length };
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}
