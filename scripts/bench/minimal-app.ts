import { App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';

// The baseline of `npm run bench`: the smallest useful CDK app, synthesized by the same CLI.
const app = new App();
new sqs.Queue(new Stack(app, 'Minimal'), 'Queue');
