import { Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as ecr from "aws-cdk-lib/aws-ecr";
import type { Construct } from "constructs";
import type { InfraSettings } from "./settings.ts";

export interface RegistryStackProps extends StackProps {
  settings: InfraSettings;
}

/**
 * The two image repositories (server: every SERVICE role; worker). A stack of their own, deployed
 * first, so images can be pushed before the services that run them are created.
 */
export class RegistryStack extends Stack {
  readonly server: ecr.Repository;
  readonly worker: ecr.Repository;

  constructor(scope: Construct, id: string, props: RegistryStackProps) {
    super(scope, id, props);
    const { appName } = props.settings;
    this.server = repository(this, "ServerRepository", `${appName}/server`);
    this.worker = repository(this, "WorkerRepository", `${appName}/worker`);
  }
}

function repository(scope: Construct, id: string, name: string): ecr.Repository {
  return new ecr.Repository(scope, id, {
    repositoryName: name,
    imageScanOnPush: true,
    // Images are tagged with the commit SHA; a tag never moves, so a task definition means one image.
    imageTagMutability: ecr.TagMutability.IMMUTABLE,
    encryption: ecr.RepositoryEncryption.AES_256,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [
      {
        rulePriority: 1,
        description: "Untagged layers after 14 days",
        tagStatus: ecr.TagStatus.UNTAGGED,
        maxImageAge: Duration.days(14),
      },
      {
        rulePriority: 2,
        description: "Keep the last 50 images (rollback window)",
        tagStatus: ecr.TagStatus.ANY,
        maxImageCount: 50,
      },
    ],
  });
}
