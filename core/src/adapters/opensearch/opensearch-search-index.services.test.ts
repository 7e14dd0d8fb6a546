import { describe } from "vitest";
import { serviceUrl } from "../../testing/services.ts";
import { describeSearchEngineIndex } from "../search-engine/search-engine-index.suite.ts";
import { OpenSearchSearchIndex } from "./opensearch-search-index.ts";

const url = serviceUrl("AA_TEST_OPENSEARCH_URL", "OpenSearch adapter");

describe.skipIf(!url)("OpenSearchSearchIndex (real OpenSearch)", () => {
  describeSearchEngineIndex(url!, (node, options) => new OpenSearchSearchIndex({ url: node, ...options }));
});
