import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MAVEN_CENTRAL, downloadVerified, run, unzipOnce, type ServiceLauncher } from "./common.ts";
import { startSearchServer } from "./search-server.ts";

/**
 * Elasticsearch 8 for the Elasticsearch adapter's service tests: the `integ-test-zip` distribution from
 * Maven Central (no bundled JDK: it runs on the machine's Java 17), single node, security off.
 *
 * That distribution lacks the `analysis-common` module (cjk_width, cjk_bigram, asciifolding,
 * porter_stem), which is not published on Maven Central. So that the adapter's real Japanese and English
 * analysis can be tested, the launcher compiles a tiny stable-API analysis plugin
 * (`elasticsearch-test-analysis/AaTestAnalysis.java`) against the distribution's own Lucene and plugin
 * API jars and installs it: the same Lucene filters under `aa_test_`-prefixed names, which the adapter
 * detects (see core/src/adapters/search-engine/README.md).
 */
export const ELASTICSEARCH_VERSION = "8.19.21";

const ZIP_URL = `${MAVEN_CENTRAL}/org/elasticsearch/distribution/integ-test-zip/elasticsearch/${ELASTICSEARCH_VERSION}/elasticsearch-${ELASTICSEARCH_VERSION}.zip`;
const PLUGIN_SOURCE = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "elasticsearch-test-analysis",
  "AaTestAnalysis.java",
);
const PLUGIN_NAME = "aa-test-analysis";
const PLUGIN_CLASS = "org.academicassist.testanalysis.AaTestAnalysis";
/** The named components (token filters) the plugin declares, by the nested class implementing each. */
const TOKEN_FILTERS: Record<string, string> = {
  aa_test_cjk_width: "CjkWidth",
  aa_test_asciifolding: "AsciiFolding",
  aa_test_cjk_bigram: "CjkBigram",
  aa_test_cjk_bigram_unigrams: "CjkBigramUnigrams",
  aa_test_english_possessive: "EnglishPossessive",
  aa_test_porter_stem: "PorterStem",
};

/** Compiles the test analysis plugin (javac against the distribution's jars) into `<home>/plugins/`, once per source version. */
async function installTestAnalysisPlugin(home: string, log: (line: string) => void): Promise<void> {
  const source = readFileSync(PLUGIN_SOURCE);
  const stamp = createHash("sha1").update(source).digest("hex");
  const dir = path.join(home, "plugins", PLUGIN_NAME);
  const stampFile = path.join(home, `.${PLUGIN_NAME}.sha1`);
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) return;

  log(`building the ${PLUGIN_NAME} plugin for the Elasticsearch test server…`);
  const build = path.join(home, `.${PLUGIN_NAME}-build`);
  rmSync(build, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(build, { recursive: true });
  mkdirSync(dir, { recursive: true });
  const lib = path.join(home, "lib");
  const classpath = [
    `lucene-core-9.12.2.jar`,
    `lucene-analysis-common-9.12.2.jar`,
    `elasticsearch-plugin-api-${ELASTICSEARCH_VERSION}.jar`,
    `elasticsearch-plugin-analysis-api-${ELASTICSEARCH_VERSION}.jar`,
  ]
    .map((jar) => path.join(lib, jar))
    .join(path.delimiter);
  await run("javac", ["--release", "17", "-d", build, "-cp", classpath, PLUGIN_SOURCE]);
  await run("jar", ["--create", "--file", path.join(dir, `${PLUGIN_NAME}.jar`), "-C", build, "."]);
  writeFileSync(
    path.join(dir, "stable-plugin-descriptor.properties"),
    [
      `description=Lucene CJK bigram, width, ASCII folding and Porter filters for the test server (aa_test_*)`,
      `version=1.0.0`,
      `name=${PLUGIN_NAME}`,
      `java.version=17`,
      `elasticsearch.version=${ELASTICSEARCH_VERSION}`,
      ``,
    ].join("\n"),
  );
  const components = Object.fromEntries(
    Object.entries(TOKEN_FILTERS).map(([name, inner]) => [name, `${PLUGIN_CLASS}$${inner}`]),
  );
  writeFileSync(
    path.join(dir, "named_components.json"),
    JSON.stringify({ "org.elasticsearch.plugin.analysis.TokenFilterFactory": components }, null, 2),
  );
  rmSync(build, { recursive: true, force: true });
  writeFileSync(stampFile, stamp);
}

/** Starts Elasticsearch 8 (downloaded once into the cache) and reports `AA_TEST_ELASTICSEARCH_URL`. */
export const startElasticsearch: ServiceLauncher = async (options) => {
  const zip = await downloadVerified(ZIP_URL, options.cacheDir, options.log);
  const home = await unzipOnce(zip, options.cacheDir, `elasticsearch-${ELASTICSEARCH_VERSION}`);
  await installTestAnalysisPlugin(home, options.log);
  return startSearchServer(
    {
      name: "elasticsearch",
      home,
      javaHomeVariable: "ES_JAVA_HOME",
      javaOptsVariable: "ES_JAVA_OPTS",
      configVariable: "ES_PATH_CONF",
      tmpVariable: "ES_TMPDIR",
      settings: { "xpack.security.enabled": "false" },
      urlVariable: "AA_TEST_ELASTICSEARCH_URL",
    },
    options,
  );
};
