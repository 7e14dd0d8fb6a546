import { CfnParameter, Stack, type StackProps } from "aws-cdk-lib";
import { CfnCloudBackupSchedule } from "awscdk-resources-mongodbatlas";
import type { Construct } from "constructs";
import type { InfraSettings } from "./settings.ts";

/**
 * The metadata store's backup policy (docs/runbooks/disaster-recovery.md):
 * - an hourly snapshot kept 2 days: at most one hour of metadata is lost even without
 *   point-in-time restore (RPO 1 h);
 * - a daily snapshot kept 30 days;
 * - a point-in-time restore window of 2 days, effective once Continuous Cloud Backup is on for
 *   the cluster (a cluster setting, see infra/README.md#backups): RPO of minutes.
 */
export const ATLAS_BACKUP_POLICY = {
  hourly: { everyHours: 1, keepDays: 2 },
  daily: { keepDays: 30 },
  pointInTimeWindowDays: 2,
} as const;

export interface AtlasBackupStackProps extends StackProps {
  settings: InfraSettings;
}

/**
 * MongoDB Atlas Cloud Backup schedule as code, through the `MongoDB::Atlas::CloudBackupSchedule`
 * CloudFormation extension (L1 construct from MongoDB's `awscdk-resources-mongodbatlas`). The Atlas
 * project and cluster live outside AWS: their ids come from context (`atlasProjectId`,
 * `atlasClusterName`) or, unset, from CloudFormation parameters, so a deployment cannot skip the
 * policy by forgetting them. Deploying needs the extension activated in the region and an Atlas
 * API key in Secrets Manager `cfn/atlas/profile/<atlasProfile>` (infra/README.md#backups).
 */
export class AtlasBackupStack extends Stack {
  readonly schedule: CfnCloudBackupSchedule;

  constructor(scope: Construct, id: string, props: AtlasBackupStackProps) {
    super(scope, id, props);
    const s = props.settings;
    const projectId =
      s.atlasProjectId ??
      new CfnParameter(this, "AtlasProjectId", {
        type: "String",
        description: "MongoDB Atlas project id (24 hexadecimal digits) of the metadata cluster",
        allowedPattern: "^[0-9a-f]{24}$",
      }).valueAsString;
    const clusterName =
      s.atlasClusterName ??
      new CfnParameter(this, "AtlasClusterName", {
        type: "String",
        description: "Name of the MongoDB Atlas cluster that holds MONGODB_URL's database",
        minLength: 1,
      }).valueAsString;
    const p = ATLAS_BACKUP_POLICY;
    this.schedule = new CfnCloudBackupSchedule(this, "MetadataBackupSchedule", {
      projectId,
      clusterName,
      profile: s.atlasProfile,
      autoExportEnabled: false,
      // Snapshots at the same UTC hour as OpenSearch's, so a restore can pair them.
      referenceHourOfDay: s.snapshotHour,
      referenceMinuteOfHour: 0,
      restoreWindowDays: p.pointInTimeWindowDays,
      policies: [
        {
          policyItems: [
            {
              frequencyType: "hourly",
              frequencyInterval: p.hourly.everyHours,
              retentionUnit: "days",
              retentionValue: p.hourly.keepDays,
            },
            {
              frequencyType: "daily",
              frequencyInterval: 1,
              retentionUnit: "days",
              retentionValue: p.daily.keepDays,
            },
          ],
        },
      ],
    });
  }
}
