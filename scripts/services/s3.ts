import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { freePort, run, spawnServer, waitUntil, type ServiceLauncher } from "./common.ts";

/**
 * An S3-API server for the S3 blob store's service tests: gofakes3 on its bolt (single-file) backend.
 *
 * Why not s3rver (installed as a devDependency): s3rver 3.7 answers `DELETE ?uploadId=` (abort a
 * multipart upload) with 405 and `GET ?uploads` (list multipart uploads) with NotImplemented, so it
 * cannot show that a failed streamed upload is aborted and leaves nothing pending — which is exactly
 * what the adapter must prove. gofakes3 implements both, ranged GET, and keeps `x-amz-*` request
 * headers (e.g. `x-amz-server-side-encryption`) as object metadata, so the tests can see what the
 * adapter asked for. It does not encrypt anything: SSE is only checked as far as the request goes.
 *
 * gofakes3 is built from the Go module proxy once and cached under `<cacheDir>/gofakes3-v1.2.0/`.
 */
export const GOFAKES3_VERSION = "v1.2.0";
const MODULE = "github.com/johannesboyne/gofakes3";

/** The bucket the server creates at start. */
export const TEST_BUCKET = "academic-assist-test";
/** gofakes3 does not check signatures; any key pair works, these are what the tests sign with. */
const ACCESS_KEY_ID = "aa-test-access-key";
const SECRET_ACCESS_KEY = "aa-test-secret-key";
const REGION = "us-east-1";

/** Path of the cached gofakes3 binary, building it first when absent. */
export async function gofakes3Binary(cacheDir: string, log: (line: string) => void): Promise<string> {
  const home = path.join(cacheDir, `gofakes3-${GOFAKES3_VERSION}`);
  const binary = path.join(home, "gofakes3");
  if (existsSync(binary)) return binary;

  log(`building gofakes3 ${GOFAKES3_VERSION} from the Go module proxy (once; cached in ${home})…`);
  const partial = path.join(home, "partial");
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  // GOTOOLCHAIN=local: build with the installed Go rather than downloading the go.mod toolchain.
  await run("go", ["install", "-trimpath", `${MODULE}/cmd/gofakes3@${GOFAKES3_VERSION}`], {
    env: {
      ...process.env,
      GOBIN: partial,
      GOTOOLCHAIN: "local",
      CGO_ENABLED: "0",
      GOFLAGS: "-buildvcs=false",
    },
  });
  renameSync(path.join(partial, "gofakes3"), binary);
  rmSync(partial, { recursive: true, force: true });
  log(`gofakes3 built: ${binary}`);
  return binary;
}

/**
 * Starts gofakes3 on 127.0.0.1 with its data in `<dataDir>/s3.bolt` and the bucket
 * {@link TEST_BUCKET} created; reports `AA_TEST_S3_ENDPOINT`, `AA_TEST_S3_BUCKET`,
 * `AA_TEST_S3_REGION`, `AA_TEST_S3_ACCESS_KEY_ID` and `AA_TEST_S3_SECRET_ACCESS_KEY`.
 */
export const startS3: ServiceLauncher = async ({ dataDir, cacheDir, log }) => {
  const binary = await gofakes3Binary(cacheDir, log);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  mkdirSync(dataDir, { recursive: true });
  const server = spawnServer(
    "s3",
    binary,
    [
      `-host=127.0.0.1:${port}`,
      "-backend=bolt",
      `-bolt.db=${path.join(dataDir, "s3.bolt")}`,
      `-initialbucket=${TEST_BUCKET}`,
    ],
    { dataDir },
  );
  try {
    // HEAD on the bucket: 200 once the server listens and the bucket exists.
    await waitUntil(
      "gofakes3",
      async () => (await fetch(`${endpoint}/${TEST_BUCKET}`, { method: "HEAD" })).ok,
      30_000,
    );
  } catch (error) {
    await server.stop();
    throw new Error(`gofakes3 did not start; see ${server.logFile}`, { cause: error });
  }
  log(`gofakes3 ${GOFAKES3_VERSION} (bolt backend) on ${endpoint}, bucket ${TEST_BUCKET}`);
  return {
    name: "s3",
    env: {
      AA_TEST_S3_ENDPOINT: endpoint,
      AA_TEST_S3_BUCKET: TEST_BUCKET,
      AA_TEST_S3_REGION: REGION,
      AA_TEST_S3_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AA_TEST_S3_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
    },
    stop: server.stop,
  };
};
