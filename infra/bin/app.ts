import { App } from "aws-cdk-lib";
import { createStacks } from "../src/app.ts";

// The CDK app entry (cdk.json runs it with tsx). Everything configurable is CDK context: see
// infra/README.md#parameters; `cdk synth` needs neither AWS credentials nor network.
const app = new App();
createStacks(app);
app.synth();
