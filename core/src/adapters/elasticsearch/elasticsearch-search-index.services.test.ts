import { describe } from "vitest";
import { serviceUrl } from "../../testing/services.ts";
import { describeSearchEngineIndex } from "../search-engine/search-engine-index.suite.ts";
import { ElasticsearchSearchIndex } from "./elasticsearch-search-index.ts";

const url = serviceUrl("AA_TEST_ELASTICSEARCH_URL", "Elasticsearch adapter");

describe.skipIf(!url)("ElasticsearchSearchIndex (real Elasticsearch 8)", () => {
  describeSearchEngineIndex(url!, (node, options) => new ElasticsearchSearchIndex({ url: node, ...options }));
});
