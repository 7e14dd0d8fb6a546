export { ExtractiveNoteGenerator } from "./extractive-note-generator.ts";
export {
  extractCitations,
  neutralizeMarkdown,
  renderNote,
  unescapeMarkdown,
  type RenderNoteInput,
  type RenderedNote,
} from "./render-note.ts";
export {
  BUILT_IN_TEMPLATES,
  getTemplate,
  localizedHeading,
  sectionKind,
  type SectionKind,
} from "./templates.ts";
export { contentTerms, normalizeForVerification, PARAPHRASE_OVERLAP, verifyStatement } from "./verify.ts";
export {
  customTemplateSpec,
  parseSkeleton,
  renderSkeleton,
  SAMPLE_METADATA,
  templateVariables,
  type ParsedSkeleton,
  type SkeletonSection,
} from "./custom-templates.ts";
