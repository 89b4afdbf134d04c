import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnTemplate, synthesize } from './helpers/synth';

/** Every template the app produces, stack and product alike. */
const { outdir } = synthesize();
const templates = fs
  .readdirSync(outdir)
  .filter((f) => f.endsWith('.template.json'))
  .map((f) => [f, JSON.parse(fs.readFileSync(path.join(outdir, f), 'utf8')) as CfnTemplate] as const);

const ofType = (template: CfnTemplate, type: string) =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type) as [
    string,
    { DeletionPolicy?: string; UpdateReplacePolicy?: string; Properties?: Record<string, unknown> },
  ][];

/** Kept on delete; `RetainExceptOnCreate` also removes what a failed first create made, so a retry works. */
const RETAINED = expect.stringMatching(/^Retain(ExceptOnCreate)?$/);

describe.each(templates)('stateful resources are never lost: %s', (_file, template) => {
  test('buckets are retained and versioned', () => {
    for (const [id, bucket] of ofType(template, 'AWS::S3::Bucket')) {
      expect({ id, deletion: bucket.DeletionPolicy, replace: bucket.UpdateReplacePolicy }).toEqual({
        id,
        deletion: RETAINED,
        replace: 'Retain',
      });
      expect(bucket.Properties?.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    }
  });
  test('keys are retained and rotate', () => {
    for (const [id, key] of ofType(template, 'AWS::KMS::Key')) {
      expect({ id, deletion: key.DeletionPolicy, rotation: key.Properties?.EnableKeyRotation }).toEqual({
        id,
        deletion: 'Retain',
        rotation: true,
      });
    }
  });
  test('log groups are retained, encrypted and expire', () => {
    for (const [id, group] of ofType(template, 'AWS::Logs::LogGroup')) {
      expect({ id, deletion: group.DeletionPolicy }).toEqual({ id, deletion: RETAINED });
      expect(group.Properties?.KmsKeyId).toBeDefined();
      expect(group.Properties?.RetentionInDays).toBeGreaterThanOrEqual(365);
    }
  });
  test('repositories are retained', () => {
    for (const [id, repo] of ofType(template, 'AWS::CodeCommit::Repository')) {
      expect({ id, deletion: repo.DeletionPolicy }).toEqual({ id, deletion: RETAINED });
    }
  });
});
