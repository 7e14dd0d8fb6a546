/**
 * The chunk index's settings and mappings, shared by the Elasticsearch 8 and OpenSearch adapters.
 *
 * One analyzer handles English beside Japanese: the standard (UAX #29) tokenizer, then
 * `cjk_width` (full-/half-width folding), `lowercase`, `asciifolding` (café = cafe), the English
 * possessive stemmer (Bayes' → Bayes), `cjk_bigram` (each run of Han/Hiragana/Katakana/Hangul becomes
 * overlapping bigrams, so any Japanese substring of two or more characters is a phrase of bigrams) and
 * `porter_stem` (learning = learned = learn; CJK bigrams pass through unchanged). A `text.unigram`
 * sub-field keeps the single characters as well (`cjk_bigram` with `output_unigrams`) so that a
 * one-character query (究) finds every occurrence. These are the built-in components of the
 * `analysis-common` module that every Elasticsearch and OpenSearch distribution ships (also Amazon
 * OpenSearch Service and Elastic Cloud). See README.md for why not kuromoji/ICU.
 */

/** Names of the token filters the analyzers are built from; {@link detectAnalysis} picks a set. */
export interface AnalysisComponents {
  /** Which set this is, for logs and the README. */
  flavour: "built-in" | "test-plugin";
  /** Extra token filter definitions (`index.analysis.filter`). */
  filters: Record<string, Record<string, unknown>>;
  cjkWidth: string;
  asciiFolding: string;
  possessive: string;
  cjkBigram: string;
  cjkBigramWithUnigrams: string;
  porterStem: string;
}

/** The analysis-common components, as on every real Elasticsearch 8 / OpenSearch deployment. */
export const BUILT_IN_ANALYSIS: AnalysisComponents = {
  flavour: "built-in",
  filters: {
    aa_possessive_english: { type: "stemmer", language: "possessive_english" },
    aa_cjk_bigram_unigrams: { type: "cjk_bigram", output_unigrams: true },
  },
  cjkWidth: "cjk_width",
  asciiFolding: "asciifolding",
  possessive: "aa_possessive_english",
  cjkBigram: "cjk_bigram",
  cjkBigramWithUnigrams: "aa_cjk_bigram_unigrams",
  porterStem: "porter_stem",
};

/**
 * The same Lucene filters under `aa_test_*` names, from the analysis plugin the Elasticsearch test
 * server is given because the Elasticsearch distribution on Maven Central lacks analysis-common
 * (scripts/services/elasticsearch-test-analysis/). Only ever chosen when the built-in ones are absent.
 */
export const TEST_PLUGIN_ANALYSIS: AnalysisComponents = {
  flavour: "test-plugin",
  filters: {},
  cjkWidth: "aa_test_cjk_width",
  asciiFolding: "aa_test_asciifolding",
  possessive: "aa_test_english_possessive",
  cjkBigram: "aa_test_cjk_bigram",
  cjkBigramWithUnigrams: "aa_test_cjk_bigram_unigrams",
  porterStem: "aa_test_porter_stem",
};

/** The `_analyze` request that succeeds only when the cluster offers every component of `set`. */
export function analysisProbe(set: AnalysisComponents): Record<string, unknown> {
  const inline = (name: string): unknown => set.filters[name] ?? name;
  return {
    tokenizer: "standard",
    filter: [
      set.cjkWidth,
      "lowercase",
      set.asciiFolding,
      set.possessive,
      set.cjkBigram,
      set.cjkBigramWithUnigrams,
      set.porterStem,
    ].map(inline),
    text: "Bayes' 研究",
  };
}

/**
 * The analysis components the cluster offers: the built-in ones whenever present (every production
 * cluster), else the test plugin's; null when neither (a cluster without analysis-common).
 * `works(body)` runs one `_analyze` request and tells whether it succeeded.
 */
export async function detectAnalysis(
  works: (body: Record<string, unknown>) => Promise<boolean>,
): Promise<AnalysisComponents | null> {
  for (const set of [BUILT_IN_ANALYSIS, TEST_PLUGIN_ANALYSIS]) {
    if (await works(analysisProbe(set))) return set;
  }
  return null;
}

/** Sizing of a new chunk index. */
export interface IndexSizing {
  /** Primary shards. One keeps BM25 statistics exact; a chunk index stays small (default 1). */
  shards?: number | undefined;
  /** Replicas; the cluster's default when undefined. */
  replicas?: number | undefined;
}

/** Bump when the mapping changes incompatibly: a new index is created beside the old one. */
export const MAPPING_VERSION = 1;

/** Settings and mappings of a new chunk index (the body of `PUT /<index>`). */
export function indexDefinition(
  analysis: AnalysisComponents,
  sizing: IndexSizing = {},
): Record<string, unknown> {
  const common = ["lowercase", analysis.asciiFolding, analysis.possessive];
  return {
    settings: {
      index: {
        number_of_shards: sizing.shards ?? 1,
        ...(sizing.replicas === undefined ? {} : { number_of_replicas: sizing.replicas }),
      },
      analysis: {
        filter: analysis.filters,
        analyzer: {
          aa_text: {
            type: "custom",
            tokenizer: "standard",
            filter: [analysis.cjkWidth, ...common, analysis.cjkBigram, analysis.porterStem],
          },
          aa_text_unigram: {
            type: "custom",
            tokenizer: "standard",
            filter: [analysis.cjkWidth, ...common, analysis.cjkBigramWithUnigrams, analysis.porterStem],
          },
        },
      },
    },
    mappings: {
      // A chunk with a field of the wrong type is rejected (and reported), never half-indexed.
      dynamic: "strict",
      properties: {
        chunkId: { type: "keyword" },
        documentId: { type: "keyword" },
        projectId: { type: "keyword" },
        pageStart: { type: "integer", coerce: false },
        pageEnd: { type: "integer", coerce: false },
        section: { type: "keyword", index: false, doc_values: false },
        text: {
          type: "text",
          analyzer: "aa_text",
          // Offsets in the postings let the highlighter skip re-analysing long chunks.
          index_options: "offsets",
          fields: { unigram: { type: "text", analyzer: "aa_text_unigram" } },
        },
      },
    },
  };
}
