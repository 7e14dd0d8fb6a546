/** pdf.js's worker module, which ships without type declarations; only its presence is used. */
declare module "pdfjs-dist/legacy/build/pdf.worker.mjs" {
  export const WorkerMessageHandler: unknown;
}
