#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { loadConfig } from '../lib/config/config';
import { addGuardrails, buildPlatform } from '../lib/platform';

const app = new App();
// The CLI sets these from the caller's credentials, when there are any; offline they are absent.
const config = loadConfig((key) => app.node.tryGetContext(key), {
  account: process.env.CDK_DEFAULT_ACCOUNT,
  region: process.env.CDK_DEFAULT_REGION,
});
buildPlatform(app, config);
addGuardrails(app);
