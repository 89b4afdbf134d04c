import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { accountArn, iamArn, s3Arn } from '../../lib/config/arns';

const LIB = path.join(__dirname, '..', '..', 'lib');
const sources = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });

describe('ARNs are formatted by CDK in one place', () => {
  test('no hand-built ARN in lib/ outside lib/config/arns.ts', () => {
    const handBuilt = sources(LIB)
      .filter((file) => !file.endsWith(path.join('config', 'arns.ts')))
      .flatMap((file) =>
        fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .map((line, i) => ({ where: `${path.relative(LIB, file)}:${i + 1}`, line }))
          .filter(({ line }) => /`arn:\$\{/.test(line)),
      );
    expect(handBuilt).toEqual([]);
  });

  test('the helpers give the ARN shapes IAM expects: regional, global (IAM), and S3 without region or account', () => {
    const stack = new Stack();
    const resolved = (arn: string) => JSON.stringify(stack.resolve(arn));
    expect(resolved(accountArn('sagemaker', 'model/x'))).toBe(
      JSON.stringify({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':sagemaker:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':model/x',
          ],
        ],
      }),
    );
    expect(resolved(iamArn('role/r'))).toBe(
      JSON.stringify({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/r']],
      }),
    );
    expect(resolved(s3Arn('bucket/*'))).toBe(
      JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::bucket/*']] }),
    );
  });
});
