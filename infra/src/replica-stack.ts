import { Aws, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { Construct } from "constructs";
import type { InfraSettings } from "./settings.ts";

/**
 * The replica bucket's name. Deterministic (account + replica region) so that the backend stack can
 * name it as its replication destination without a cross-region reference.
 */
export function replicaBucketName(settings: InfraSettings): string {
  return `${settings.appName}-replica-${Aws.ACCOUNT_ID}-${settings.replicaRegion}`;
}

export interface ReplicaStackProps extends StackProps {
  settings: InfraSettings;
}

/** The documents bucket's cross-region replica (a second region survives the loss of the first). */
export class ReplicaStack extends Stack {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ReplicaStackProps) {
    super(scope, id, props);
    this.bucket = new s3.Bucket(this, "ReplicaBucket", {
      bucketName: replicaBucketName(props.settings),
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ id: "expire-noncurrent", noncurrentVersionExpiration: Duration.days(90) }],
    });
  }
}
