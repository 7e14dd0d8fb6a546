import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { MAVEN_CENTRAL, downloadVerified, unzipOnce, type ServiceLauncher } from "./common.ts";
import { startSearchServer } from "./search-server.ts";

/**
 * OpenSearch for the OpenSearch adapter's service tests: the `integ-test-zip` distribution from Maven
 * Central (2.19.6, the newest line that runs on Java 17), single node, no security plugin, with the
 * genuine `analysis-common` module (the one Amazon OpenSearch Service and every OpenSearch distribution
 * ship; it provides cjk_width, cjk_bigram, asciifolding, porter_stem), the `lang-painless` module it
 * extends, and the `reindex` module (`_delete_by_query`), all installed from their Maven Central jars
 * (with their runtime dependencies) as modules, as the full distribution has them.
 */
export const OPENSEARCH_VERSION = "2.19.6";

const ZIP_URL = `${MAVEN_CENTRAL}/org/opensearch/distribution/integ-test-zip/opensearch/${OPENSEARCH_VERSION}/opensearch-${OPENSEARCH_VERSION}.zip`;

interface Module {
  name: string;
  classname: string;
  description: string;
  extended: string[];
  /** Maven coordinates `group:artifact:version` of the module's jar and its runtime dependencies. */
  jars: string[];
  /** The module's `plugin-security.policy`, as in the distribution (OpenSearch 2 runs a security manager). */
  policy?: string;
}

const MODULES: Module[] = [
  {
    name: "lang-painless",
    classname: "org.opensearch.painless.PainlessPlugin",
    description: "An easy, safe and fast scripting language for OpenSearch",
    extended: [],
    jars: [
      `org.opensearch.plugin:lang-painless:${OPENSEARCH_VERSION}`,
      `org.opensearch.plugin:opensearch-scripting-painless-spi:${OPENSEARCH_VERSION}`,
      "org.antlr:antlr4-runtime:4.13.1",
      "org.ow2.asm:asm:9.7",
      "org.ow2.asm:asm-util:9.7",
      "org.ow2.asm:asm-tree:9.7",
      "org.ow2.asm:asm-commons:9.7",
      "org.ow2.asm:asm-analysis:9.7",
    ],
    policy: `grant {
  // needed to generate runtime classes
  permission java.lang.RuntimePermission "createClassLoader";
  // needed to find the classloader to load allowlisted classes from
  permission java.lang.RuntimePermission "getClassLoader";
};
`,
  },
  {
    name: "reindex",
    classname: "org.opensearch.index.reindex.ReindexPlugin",
    description:
      "The Reindex module adds APIs to reindex from one index to another or update documents in place.",
    extended: [],
    // Without reactor-core and reactive-streams: the distribution's lib/ has them already.
    jars: [
      `org.opensearch.plugin:reindex-client:${OPENSEARCH_VERSION}`,
      `org.opensearch.client:opensearch-rest-client:${OPENSEARCH_VERSION}`,
      `org.opensearch:opensearch-ssl-config:${OPENSEARCH_VERSION}`,
      "org.apache.httpcomponents:httpclient:4.5.14",
      "org.apache.httpcomponents:httpcore:4.4.16",
      "org.apache.httpcomponents:httpasyncclient:4.1.5",
      "org.apache.httpcomponents:httpcore-nio:4.4.16",
      "commons-codec:commons-codec:1.18.0",
      "commons-logging:commons-logging:1.2",
    ],
    policy: `grant {
  // reindex from a remote cluster opens socket connections using the rest client
  permission java.net.SocketPermission "*", "connect";
};
`,
  },
  {
    name: "analysis-common",
    classname: "org.opensearch.analysis.common.CommonAnalysisPlugin",
    description: "Adds analyzers, tokenizers, token filters and char filters common to most languages",
    extended: ["lang-painless"],
    jars: [`org.opensearch.plugin:analysis-common:${OPENSEARCH_VERSION}`],
  },
];

function mavenUrl(coordinates: string): string {
  const [group, artifact, version] = coordinates.split(":") as [string, string, string];
  return `${MAVEN_CENTRAL}/${group.replaceAll(".", "/")}/${artifact}/${version}/${artifact}-${version}.jar`;
}

/** Puts the modules into `<home>/modules/` once (a `.installed` file marks a complete module). */
async function installModules(home: string, cacheDir: string, log: (line: string) => void): Promise<void> {
  for (const module of MODULES) {
    const dir = path.join(home, "modules", module.name);
    if (existsSync(path.join(dir, ".installed"))) continue;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const coordinates of module.jars) {
      const jar = await downloadVerified(
        mavenUrl(coordinates),
        path.join(cacheDir, "opensearch-modules"),
        log,
      );
      copyFileSync(jar, path.join(dir, path.basename(jar)));
    }
    writeFileSync(
      path.join(dir, "plugin-descriptor.properties"),
      [
        `description=${module.description}`,
        `version=${OPENSEARCH_VERSION}`,
        `name=${module.name}`,
        `classname=${module.classname}`,
        `java.version=11`,
        `opensearch.version=${OPENSEARCH_VERSION}`,
        `extended.plugins=${module.extended.join(",")}`,
        `has.native.controller=false`,
        ``,
      ].join("\n"),
    );
    if (module.policy) writeFileSync(path.join(dir, "plugin-security.policy"), module.policy);
    writeFileSync(path.join(dir, ".installed"), "");
  }
}

/** Starts OpenSearch (downloaded once into the cache) and reports `AA_TEST_OPENSEARCH_URL`. */
export const startOpenSearch: ServiceLauncher = async (options) => {
  const zip = await downloadVerified(ZIP_URL, options.cacheDir, options.log);
  const home = await unzipOnce(zip, options.cacheDir, `opensearch-${OPENSEARCH_VERSION}`);
  await installModules(home, options.cacheDir, options.log);
  return startSearchServer(
    {
      name: "opensearch",
      home,
      javaHomeVariable: "OPENSEARCH_JAVA_HOME",
      javaOptsVariable: "OPENSEARCH_JAVA_OPTS",
      configVariable: "OPENSEARCH_PATH_CONF",
      tmpVariable: "OPENSEARCH_TMPDIR",
      settings: {},
      urlVariable: "AA_TEST_OPENSEARCH_URL",
    },
    options,
  );
};
