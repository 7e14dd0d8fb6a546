package org.academicassist.testanalysis;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.cjk.CJKBigramFilter;
import org.apache.lucene.analysis.cjk.CJKWidthFilter;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;

/**
 * TEST SERVERS ONLY. The Elasticsearch 8 distribution published on Maven Central lacks the
 * analysis-common module that every real Elasticsearch deployment ships (cjk_width, cjk_bigram,
 * asciifolding, possessive stemmer, porter_stem). This stable-API analysis plugin exposes the very Lucene classes those
 * built-in filters wrap, under names prefixed `aa_test_` so that nobody mistakes them for the real
 * ones. The search-engine adapter detects which set a cluster offers (see
 * core/src/adapters/search-engine/README.md); production clusters always get the built-in names.
 */
public final class AaTestAnalysis {
  private AaTestAnalysis() {}

  /** As the built-in `cjk_width`: folds full-width ASCII and half-width Katakana. */
  @NamedComponent("aa_test_cjk_width")
  public static final class CjkWidth implements TokenFilterFactory {
    @Override
    public TokenStream create(TokenStream in) {
      return new CJKWidthFilter(in);
    }

    @Override
    public TokenStream normalize(TokenStream in) {
      return new CJKWidthFilter(in);
    }
  }

  /** As the built-in `asciifolding` (preserve_original false). */
  @NamedComponent("aa_test_asciifolding")
  public static final class AsciiFolding implements TokenFilterFactory {
    @Override
    public TokenStream create(TokenStream in) {
      return new ASCIIFoldingFilter(in, false);
    }

    @Override
    public TokenStream normalize(TokenStream in) {
      return new ASCIIFoldingFilter(in, false);
    }
  }

  /** As the built-in `cjk_bigram` with its defaults (all four scripts, no unigrams). */
  @NamedComponent("aa_test_cjk_bigram")
  public static final class CjkBigram implements TokenFilterFactory {
    @Override
    public TokenStream create(TokenStream in) {
      return new CJKBigramFilter(in);
    }
  }

  /** As `{ "type": "cjk_bigram", "output_unigrams": true }`. */
  @NamedComponent("aa_test_cjk_bigram_unigrams")
  public static final class CjkBigramUnigrams implements TokenFilterFactory {
    @Override
    public TokenStream create(TokenStream in) {
      return new CJKBigramFilter(
          in,
          CJKBigramFilter.HAN | CJKBigramFilter.HIRAGANA | CJKBigramFilter.KATAKANA | CJKBigramFilter.HANGUL,
          true);
    }
  }

  /** As `{ "type": "stemmer", "language": "possessive_english" }`: drops a trailing 's. */
  @NamedComponent("aa_test_english_possessive")
  public static final class EnglishPossessive implements TokenFilterFactory {
    @Override
    public TokenStream create(TokenStream in) {
      return new EnglishPossessiveFilter(in);
    }
  }

  /** As the built-in `porter_stem`. */
  @NamedComponent("aa_test_porter_stem")
  public static final class PorterStem implements TokenFilterFactory {
    @Override
    public TokenStream create(TokenStream in) {
      return new PorterStemFilter(in);
    }
  }
}
