import { DEFAULT_PREFIX, Names } from '../../lib/config/names';
import { TEST_NAMES } from '../helpers/names';
import { CDK_JSON_CONTEXT } from '../helpers/synth';

describe('project parameter names are formatted and read apart by the naming module alone', () => {
  const names = new Names(DEFAULT_PREFIX);

  test('reads back what it formats', () => {
    const name = names.projectParameter('alpha', 'dev', 'subnet-ids');
    expect(names.parseProjectParameter(name)).toEqual({ projectName: 'alpha', envType: 'dev', key: 'subnet-ids' });
  });

  test('refuses names of another deployment, the shared layer, or another depth', () => {
    for (const other of [
      new Names('other').projectParameter('alpha', 'dev', 'subnet-ids'),
      names.sharedParameter('network/vpc-id'),
      `${names.projectsRoot}alpha/dev`,
      `${names.projectsRoot}alpha/dev/logs/flow-logs`,
      `${names.projectsRoot}alpha//subnet-ids`,
      '',
    ]) {
      expect([other, names.parseProjectParameter(other)]).toEqual([other, undefined]);
    }
  });
});

test("the names tests expect are the synthesized ones: cdk.json's prefix is the default prefix", () => {
  expect(CDK_JSON_CONTEXT.prefix).toBe(DEFAULT_PREFIX);
  expect(TEST_NAMES.prefix).toBe(DEFAULT_PREFIX);
});
