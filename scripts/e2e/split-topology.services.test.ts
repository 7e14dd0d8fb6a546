/**
 * The split topology on the production stack: every process gets MongoDB, Redis (BullMQ and
 * events), Elasticsearch and S3 from the AA_TEST_* variables `npm run test:services` sets. Skipped,
 * with the reason printed, when they are absent.
 */
import { serviceUrl } from "../../core/src/testing/services.ts";
import { describeSplitTopology } from "./split-topology.suite.ts";

function servicesEnv(): Record<string, string> | undefined {
  const mongo = serviceUrl("AA_TEST_MONGODB_URL", "split topology on the production stack");
  if (!mongo) return undefined;
  const optional: Record<string, string | undefined> = {
    REDIS_URL: process.env.AA_TEST_REDIS_URL,
    ELASTICSEARCH_URL: process.env.AA_TEST_ELASTICSEARCH_URL,
    S3_ENDPOINT: process.env.AA_TEST_S3_ENDPOINT,
    S3_BUCKET_NAME: process.env.AA_TEST_S3_BUCKET,
    S3_REGION: process.env.AA_TEST_S3_REGION,
    AWS_ACCESS_KEY_ID: process.env.AA_TEST_S3_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: process.env.AA_TEST_S3_SECRET_ACCESS_KEY,
  };
  const env: Record<string, string> = { MONGODB_URL: mongo };
  for (const [k, v] of Object.entries(optional)) if (v) env[k] = v;
  return env;
}

describeSplitTopology("split topology on MongoDB, Redis, Elasticsearch and S3", servicesEnv());
