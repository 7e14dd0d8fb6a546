import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { ATLAS_BACKUP_POLICY } from "../src/atlas-backup-stack.ts";
import { synth } from "./synth.ts";

const SCHEDULE = "MongoDB::Atlas::CloudBackupSchedule";

describe("MongoDB Atlas backup policy as code", () => {
  const defaults = synth().template("AcademicAssist-AtlasBackup");

  it("when synthesised, then the metadata cluster keeps an hourly snapshot 2 days and a daily one 30 days (RPO ≤ 1 h without point in time)", () => {
    defaults.resourceCountIs(SCHEDULE, 1);
    defaults.hasResourceProperties(SCHEDULE, {
      Policies: [
        {
          PolicyItems: [
            { FrequencyType: "hourly", FrequencyInterval: 1, RetentionUnit: "days", RetentionValue: 2 },
            { FrequencyType: "daily", FrequencyInterval: 1, RetentionUnit: "days", RetentionValue: 30 },
          ],
        },
      ],
      AutoExportEnabled: false,
    });
    expect(ATLAS_BACKUP_POLICY.hourly.everyHours).toBeLessThanOrEqual(1);
  });

  it("when Continuous Cloud Backup is on for the cluster, then point-in-time restore reaches 2 days back", () => {
    defaults.hasResourceProperties(SCHEDULE, { RestoreWindowDays: 2 });
  });

  it("when snapshots are taken, then daily ones start at the OpenSearch snapshot hour (03:00 UTC by default)", () => {
    defaults.hasResourceProperties(SCHEDULE, { ReferenceHourOfDay: 3, ReferenceMinuteOfHour: 0 });
  });

  it("when no Atlas ids are in the context, then the deployment must give them as parameters (the policy cannot be skipped)", () => {
    const template = defaults.toJSON();

    expect(template.Parameters.AtlasProjectId).toMatchObject({
      Type: "String",
      AllowedPattern: "^[0-9a-f]{24}$",
    });
    expect(template.Parameters.AtlasProjectId).not.toHaveProperty("Default");
    expect(template.Parameters.AtlasClusterName).not.toHaveProperty("Default");
    defaults.hasResourceProperties(SCHEDULE, {
      ProjectId: { Ref: "AtlasProjectId" },
      ClusterName: { Ref: "AtlasClusterName" },
      Profile: "default",
    });
  });

  it("when the Atlas project and cluster are in the context, then they are written into the template", () => {
    const t = synth({
      atlasProjectId: "0123456789abcdef01234567",
      atlasClusterName: "academic-assist-prod",
      atlasProfile: "prod",
    }).template("AcademicAssist-AtlasBackup");

    t.hasResourceProperties(SCHEDULE, {
      ProjectId: "0123456789abcdef01234567",
      ClusterName: "academic-assist-prod",
      Profile: "prod",
    });
    expect(t.toJSON().Parameters ?? {}).not.toHaveProperty("AtlasProjectId");
    t.hasResourceProperties(SCHEDULE, { Policies: Match.anyValue() });
  });

  it("when atlasProjectId is not an Atlas id, then synth stops and says so", () => {
    expect(() => synth({ atlasProjectId: "my-project" })).toThrow(
      /atlasProjectId: expected the Atlas project id/,
    );
  });
});
