import { cidrBlockProblem, defaultAssetBucketName, loadConfig, s3BucketNameProblem } from '../../lib/config/config';

const load = (context: Record<string, unknown>, env = {}) => loadConfig((key) => context[key], env);

describe('loadConfig', () => {
  test('gives working defaults offline', () => {
    const config = load({});
    expect(config).toEqual({
      prefix: 'sds',
      assetBucketName: 'sds-catalog-assets',
      projectAdministratorPrincipals: [],
      securityNotificationEmail: undefined,
      sharedServicesVpcCidr: '10.10.0.0/16',
      sharedServicesAzCount: 2,
      mirrorTls: undefined,
      detectiveControlMode: 'enforce',
      useExistingTrail: false,
      detectiveControlConcurrency: undefined,
      consoleSourceCidrs: [],
    });
  });

  test('makes the default asset bucket name unique when the CLI knows account and region', () => {
    expect(load({}, { account: '123456789012', region: 'eu-west-1' }).assetBucketName).toBe(
      'sds-catalog-assets-123456789012-eu-west-1',
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

describe('validators', () => {
  test('accept good values', () => {
    expect(s3BucketNameProblem('sds-catalog-assets-123456789012-eu-west-1')).toBeUndefined();
    expect(cidrBlockProblem('10.10.0.0/16', 16, 24)).toBeUndefined();
    expect(cidrBlockProblem('192.168.4.0/24', 16, 24)).toBeUndefined();
  });
});
