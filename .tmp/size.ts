import * as fs from 'fs';
import { resolve } from '../test/helpers/intrinsics';
const ssm = new Proxy({}, { get: (_t, name: string) => (name.includes('kms') ? 'arn:aws:kms:ap-southeast-2:111122223333:key/12345678-1234-1234-1234-123456789012' : name.includes('subnet') ? 'subnet-0123456789abcdef0' : name.includes('group') ? 'sg-0123456789abcdef0' : 'x'.repeat(60)) });
for (const f of fs.readdirSync('cdk.out').filter((f) => f.endsWith('.template.json'))) {
  const t = JSON.parse(fs.readFileSync('cdk.out/' + f, 'utf8'));
  const ctx = { account: '111122223333', region: 'ap-southeast-2', instance: 'x', parameters: { ProjectName: 'p'.repeat(20), EnvType: 'prod', OwnerUserName: 'u'.repeat(20), VpcCidr: '10.0.0.0/16', MirrorDomainName: 'none', SubnetNumber: '1' }, ssm: ssm as any };
  for (const [id, r] of Object.entries<any>(t.Resources)) {
    const docs: [string, any][] = [];
    if (r.Type === 'AWS::IAM::ManagedPolicy') docs.push(['managed', r.Properties.PolicyDocument]);
    if (r.Type === 'AWS::IAM::Policy') docs.push(['inline', r.Properties.PolicyDocument]);
    for (const [kind, d] of docs) {
      let n: number | string;
      try { n = JSON.stringify(resolve(d, t, ctx)).replace(/\s/g, '').length; } catch (e) { n = String(e).slice(0, 80); }
      const q = kind === 'managed' ? 6144 : 10240;
      if (typeof n === 'number' && n > 2000) console.log(`${f.slice(0, 40)} ${id} ${kind} ${n} ${Math.round((100 * n) / q)}%`);
    }
  }
}
