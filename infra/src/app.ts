import { Tags, type App } from "aws-cdk-lib";
import { AtlasBackupStack } from "./atlas-backup-stack.ts";
import { BackendStack } from "./backend-stack.ts";
import { EdgeStack } from "./edge-stack.ts";
import { RegistryStack } from "./registry-stack.ts";
import { ReplicaStack } from "./replica-stack.ts";
import { SecretsStack } from "./secrets-stack.ts";
import { readSettings, type InfraSettings } from "./settings.ts";

export interface AcademicAssistStacks {
  settings: InfraSettings;
  registry: RegistryStack;
  secrets: SecretsStack;
  /** The MongoDB Atlas backup policy (hourly, daily, point in time). */
  atlasBackup: AtlasBackupStack;
  /** Absent when both the web ACL and CloudFront's certificate are passed as existing ARNs. */
  edge: EdgeStack | undefined;
  /** Absent when `replicaBucketArn` names an existing bucket. */
  replica: ReplicaStack | undefined;
  backend: BackendStack;
}

/** Stack name prefix from the app name: `academic-assist` → `AcademicAssist`. */
export function stackPrefix(appName: string): string {
  return appName
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}

/**
 * Adds every stack of the deployment to `app`, configured from its context:
 * `<Prefix>-Registry` (ECR), `<Prefix>-Secrets` and `<Prefix>-AtlasBackup` (backend region), `<Prefix>-Edge` (WAF + CloudFront certificate,
 * us-east-1), `<Prefix>-Replica` (S3 replica, replica region), `<Prefix>-Backend` (the rest).
 */
export function createStacks(
  app: App,
  settings: InfraSettings = readSettings(app.node),
): AcademicAssistStacks {
  const prefix = stackPrefix(settings.appName);
  const env = { account: settings.account, region: settings.region };
  Tags.of(app).add("app", settings.appName);

  const registry = new RegistryStack(app, `${prefix}-Registry`, {
    env,
    settings,
    description: "Academic Assist: ECR repositories (server, worker)",
  });

  const secrets = new SecretsStack(app, `${prefix}-Secrets`, {
    env,
    settings,
    description: "Academic Assist: application secrets (put the real values before deploying the backend)",
  });

  const atlasBackup = new AtlasBackupStack(app, `${prefix}-AtlasBackup`, {
    env,
    settings,
    description:
      "Academic Assist: MongoDB Atlas backup policy (hourly kept 2 days, daily kept 30 days, point in time)",
  });

  const edge =
    settings.webAclArn && settings.cloudFrontCertificateArn
      ? undefined
      : new EdgeStack(app, `${prefix}-Edge`, {
          env: { account: settings.account, region: "us-east-1" },
          crossRegionReferences: true,
          settings,
          description: "Academic Assist: CloudFront web ACL (WAF) and certificate, us-east-1",
        });

  const replica = settings.replicaBucketArn
    ? undefined
    : new ReplicaStack(app, `${prefix}-Replica`, {
        env: { account: settings.account, region: settings.replicaRegion },
        settings,
        description: "Academic Assist: cross-region replica of the documents bucket",
      });

  const backendId = `${prefix}-Backend`;
  const webAclArn = settings.webAclArn ?? edge?.webAclArn;
  if (!webAclArn) throw new Error("no web ACL: pass webAclArn or let the edge stack create one");
  const backend = new BackendStack(app, backendId, {
    env,
    crossRegionReferences: edge !== undefined,
    settings,
    description: "Academic Assist: VPC, ECS Fargate services, ALB, CloudFront, data stores, alarms",
    serverRepository: registry.server,
    workerRepository: registry.worker,
    secrets: secrets.secrets,
    webAclArn,
    cloudFrontCertificate: edge?.certificate,
  });
  // Replication needs the replica bucket to exist first.
  if (replica) backend.addStackDependency(replica);
  return { settings, registry, secrets, atlasBackup, edge, replica, backend };
}
