import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  cidrBlockProblem,
  ConfigError,
  DEFAULT_NOTEBOOK_INSTANCE_TYPES,
  defaultAssetBucketName,
  loadConfig,
  s3BucketNameProblem,
} from '../../lib/config/config';
import { TEST_NAMES } from '../helpers/names';

const load = (context: Record<string, unknown>, env = {}) =>
  loadConfig((key) => context[key], env, Object.keys(context));
/** The problems of a config that fails. */
const problems = (context: Record<string, unknown>): readonly string[] => {
  try {
    load(context);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  test('gives working defaults offline', () => {
    const config = load({});
    expect(config).toEqual({
      prefix: TEST_NAMES.prefix,
      assetBucketName: `${TEST_NAMES.prefix}-catalog-assets`,
      projectAdministratorPrincipals: [],
      securityNotificationEmail: undefined,
      sharedServicesVpcCidr: '10.10.0.0/16',
      sharedServicesAzCount: 2,
      mirrorTls: undefined,
      detectiveControlMode: 'enforce',
      useExistingTrail: false,
      detectiveControlConcurrency: undefined,
      consoleSourceCidrs: [],
      projectUserRoleArns: [],
      projectAdminRoleArns: [],
      notebookInstanceTypes: [...DEFAULT_NOTEBOOK_INSTANCE_TYPES],
    });
  });

  test('makes the default asset bucket name unique when the CLI knows account and region', () => {
    expect(load({}, { account: '123456789012', region: 'eu-west-1' }).assetBucketName).toBe(
      `${TEST_NAMES.prefix}-catalog-assets-123456789012-eu-west-1`,
    );
    expect(defaultAssetBucketName('abc', { account: '123456789012' })).toBe('abc-catalog-assets');
  });

  test('reads -c values, which arrive as strings', () => {
    const config = load({
      prefix: 'ml',
      sharedServicesAzCount: '3',
      projectAdministratorPrincipals: 'arn:aws:iam::123456789012:role/Admins, 210987654321',
      securityNotificationEmail: 'security@example.com',
    });
    expect(config.prefix).toBe('ml');
    expect(config.sharedServicesAzCount).toBe(3);
    expect(config.projectAdministratorPrincipals).toEqual(['arn:aws:iam::123456789012:role/Admins', '210987654321']);
    expect(config.securityNotificationEmail).toBe('security@example.com');
  });

  test('reads principals given as a JSON array (cdk.json) or a JSON string', () => {
    expect(load({ projectAdministratorPrincipals: ['123456789012'] }).projectAdministratorPrincipals).toEqual([
      '123456789012',
    ]);
    expect(load({ projectAdministratorPrincipals: '["123456789012"]' }).projectAdministratorPrincipals).toEqual([
      '123456789012',
    ]);
  });

  test.each([
    ['prefix', 'SDS', /prefix: got "SDS"; expected 2-8 lower-case letters or digits/],
    ['prefix', 'a', /prefix: got "a"/],
    ['prefix', 'toolongprefix', /prefix: got "toolongprefix"/],
    ['prefix', '1abc', /prefix: got "1abc"/],
    ['assetBucketName', 'My-Bucket', /assetBucketName: got "My-Bucket"; expected lower-case letters/],
    ['assetBucketName', 'a'.repeat(64), /assetBucketName: got "a{64}"; expected 3-63 characters \(has 64\)/],
    ['assetBucketName', 'my.bucket.name', /no dots/],
    ['assetBucketName', 'xn--bucket', /must not start with xn--/],
    ['assetBucketName', 'bucket-s3alias', /S3-reserved suffix/],
    [
      'projectAdministratorPrincipals',
      'arn:aws:iam::12345:role/x',
      /projectAdministratorPrincipals: got "arn:aws:iam::12345:role\/x"; expected a 12-digit account id or an IAM ARN/,
    ],
    ['projectAdministratorPrincipals', 'admins', /projectAdministratorPrincipals: got "admins"/],
    [
      'projectAdministratorPrincipals',
      'arn:aws:iam::123456789012:group/admins',
      /got "arn:aws:iam::123456789012:group\/admins"/,
    ],
    [
      'securityNotificationEmail',
      'not-an-email',
      /securityNotificationEmail: got "not-an-email"; expected an e-mail address/,
    ],
    ['sharedServicesVpcCidr', '10.0.0.0', /sharedServicesVpcCidr: got "10.0.0.0"; expected an IPv4 network/],
    ['sharedServicesVpcCidr', '10.0.0.0/8', /from \/16 to \/24/],
    ['sharedServicesVpcCidr', '300.0.0.0/16', /sharedServicesVpcCidr: got "300.0.0.0\/16"/],
    ['sharedServicesVpcCidr', '10.10.5.0/16', /host bits are set; did you mean 10.10.0.0\/16\?/],
    ['sharedServicesAzCount', '4', /sharedServicesAzCount: got "4"; expected a whole number from 1 to 3/],
    ['sharedServicesAzCount', 'two', /sharedServicesAzCount: got "two"/],
    ['sharedServicesAzCount', 1.5, /sharedServicesAzCount: got 1.5/],
    [
      'mirrorCertificateArn',
      'arn:aws:acm:eu-west-1:123456789012:certificate/nope',
      /mirrorCertificateArn: got .*expected an ACM certificate ARN/,
    ],
    ['mirrorDomainName', 'Not A Domain', /mirrorDomainName: got "Not A Domain"/],
    ['detectiveControlMode', 'audit', /detectiveControlMode: got "audit"; expected enforce or notify/],
    ['useExistingTrail', 'yes', /useExistingTrail: got "yes"; expected true or false/],
    ['detectiveControlConcurrency', '0', /detectiveControlConcurrency: got "0"; expected a whole number from 1 to 100/],
    ['detectiveControlConcurrency', 'five', /detectiveControlConcurrency: got "five"/],
    ['consoleSourceCidrs', '203.0.113.0', /consoleSourceCidrs: got "203.0.113.0"; expected an IPv4 network/],
    [
      'consoleSourceCidrs',
      '10.0.0.0/8, 198.51.100.7/24',
      /consoleSourceCidrs: got "198.51.100.7\/24"; host bits are set/,
    ],
  ])('fails when %s is %p', (key, value, message) => {
    expect(() => load({ [key]: value })).toThrow(message);
  });

  test('fails when only one of the mirror TLS settings is given', () => {
    expect(() => load({ mirrorDomainName: 'pypi.data.example.com' })).toThrow(/set both or neither/);
  });

  test('fails with every problem at once, so one run fixes them all', () => {
    expect(() => load({ prefix: 'X', sharedServicesAzCount: 9 })).toThrow(
      /Invalid configuration[\s\S]*prefix: got "X"[\s\S]*sharedServicesAzCount: got 9/,
    );
  });
});

describe('federated roles allowed into project roles (platform default of the launch parameters)', () => {
  const sso = 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_DataScientist_*';
  test('reads role ARNs and patterns of this account, comma-separated or as a JSON array', () => {
    expect(
      load({ projectUserRoleArns: `${sso},arn:aws:iam::111122223333:role/DataScience` }).projectUserRoleArns,
    ).toEqual([sso, 'arn:aws:iam::111122223333:role/DataScience']);
    expect(load({ projectAdminRoleArns: JSON.stringify([sso]) }).projectAdminRoleArns).toEqual([sso]);
  });
  test('refuses what the launch parameter would refuse, with one line naming the key', () => {
    expect(problems({ projectUserRoleArns: 'arn:aws:iam::111122223333:user/jane' })).toEqual([
      expect.stringMatching(
        /^projectUserRoleArns: got "arn:aws:iam::111122223333:user\/jane"; expected empty, or comma-separated role ARNs/,
      ),
    ]);
    expect(problems({ projectAdminRoleArns: Array(20).fill(sso).join(',') })).toEqual([
      expect.stringMatching(/^projectAdminRoleArns: got "\d+ characters"; expected at most 1024/),
    ]);
  });
});

describe('notebook instance types offered to data scientists', () => {
  test('the default offers CPU types and one GPU type, the smallest first', () => {
    expect(DEFAULT_NOTEBOOK_INSTANCE_TYPES[0]).toBe('ml.t3.medium');
    expect(DEFAULT_NOTEBOOK_INSTANCE_TYPES).toContain('ml.p3.2xlarge');
  });
  test('a platform chooses its own list, comma-separated or as a JSON array; the first is the default', () => {
    expect(load({ notebookInstanceTypes: 'ml.m5.large, ml.g5.xlarge' }).notebookInstanceTypes).toEqual([
      'ml.m5.large',
      'ml.g5.xlarge',
    ]);
    expect(load({ notebookInstanceTypes: '["ml.g4dn.xlarge"]' }).notebookInstanceTypes).toEqual(['ml.g4dn.xlarge']);
  });
  test('refuses what is not an instance type, repeats and overlong lists, one line each', () => {
    expect(problems({ notebookInstanceTypes: 'ml.t3.medium,t3.large,ml.m5.hugexl' })).toEqual([
      'notebookInstanceTypes: got "t3.large"; expected a SageMaker notebook instance type like ml.t3.medium or ml.g5.xlarge',
      'notebookInstanceTypes: got "ml.m5.hugexl"; expected a SageMaker notebook instance type like ml.t3.medium or ml.g5.xlarge',
    ]);
    expect(problems({ notebookInstanceTypes: 'ml.t3.medium,ml.t3.medium' })).toEqual([
      'notebookInstanceTypes: got ["ml.t3.medium"]; expected each instance type once',
    ]);
    const many = Array.from({ length: 31 }, (_, i) => `ml.m5.${i + 1}xlarge`).join(',');
    expect(problems({ notebookInstanceTypes: many })).toEqual([
      'notebookInstanceTypes: got "31 types"; expected at most 30',
    ]);
  });
});

describe('config errors a person can act on', () => {
  test('a bad prefix is one problem: the bucket name derived from it is not reported too', () => {
    expect(problems({ prefix: 'SDS' })).toEqual([
      'prefix: got "SDS"; expected 2-8 lower-case letters or digits, starting with a letter',
    ]);
  });

  test('a bucket name given explicitly is still checked when the prefix is bad', () => {
    expect(problems({ prefix: 'SDS', assetBucketName: 'My_Bucket' })).toEqual([
      expect.stringMatching(/^prefix: got "SDS"/),
      expect.stringMatching(/^assetBucketName: got "My_Bucket"/),
    ]);
  });

  test.each([
    ['prefx', 'prefix'],
    ['assetbucketname', 'assetBucketName'],
    ['consoleSourceCidr', 'consoleSourceCidrs'],
    ['sharedServiceAzCount', 'sharedServicesAzCount'],
  ])('fails when a context key is unknown: %s, did you mean %s?', (typo, key) => {
    expect(problems({ [typo]: 'x' })).toEqual([`${typo}: not a setting of this app; did you mean ${key}?`]);
  });

  test('fails when a context key is unknown and nothing is close: lists the settings', () => {
    expect(problems({ colour: 'blue' })).toEqual([
      expect.stringMatching(
        /^colour: not a setting of this app; the settings are assetBucketName, .*useExistingTrail$/,
      ),
    ]);
  });

  test("the CDK's own context keys are not the app's business", () => {
    expect(() =>
      load({
        'cli-telemetry': false,
        'acknowledged-issue-numbers': [1234],
        '@aws-cdk/core:checkSecretUsage': true,
        'aws:cdk:enable-path-metadata': true,
        'availability-zones:account=123456789012:region=eu-west-1': ['eu-west-1a'],
      }),
    ).not.toThrow();
  });

  test.each(['projectAdministratorPrincipals', 'consoleSourceCidrs'])('fails when %s is malformed JSON', (key) => {
    expect(problems({ [key]: '["10.0.0.0/8"' })).toEqual([
      expect.stringMatching(new RegExp(`^${key}: got .*; malformed JSON \\(.*\\); expected a JSON array of strings`)),
    ]);
    expect(problems({ [key]: '{"a": 1}' })).toEqual([
      expect.stringMatching(new RegExp(`^${key}: got .*; expected a JSON array of strings or a comma-separated list$`)),
    ]);
  });

  test('the app prints one line per problem and no stack trace, and exits 1', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-'));
    try {
      // What the CDK CLI hands the app for `cdk synth -c prefix=SDS -c prefx=ml`.
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
        cwd: path.join(__dirname, '..', '..'),
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          CDK_OUTDIR: outdir,
          CDK_CONTEXT_JSON: JSON.stringify({ 'cli-telemetry': false, prefix: 'SDS', prefx: 'ml' }),
        },
      });
      expect(run.stderr.trim().split('\n')).toEqual([
        'Invalid configuration (cdk.json context or -c):',
        '  - prefix: got "SDS"; expected 2-8 lower-case letters or digits, starting with a letter',
        '  - prefx: not a setting of this app; did you mean prefix?',
      ]);
      expect(run.status).toBe(1);
      expect(fs.readdirSync(outdir)).toEqual([]);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe('validators', () => {
  test('accept good values', () => {
    expect(s3BucketNameProblem(`${TEST_NAMES.prefix}-catalog-assets-123456789012-eu-west-1`)).toBeUndefined();
    expect(cidrBlockProblem('10.10.0.0/16', 16, 24)).toBeUndefined();
    expect(cidrBlockProblem('192.168.4.0/24', 16, 24)).toBeUndefined();
  });
});
