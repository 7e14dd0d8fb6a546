import type { BlobStore, DocumentRecord, Logger, Repositories, SearchIndex } from "@academic-assist/core";

/**
 * Deleting spans stores: rows first (so nothing new can reach the document), then index entries
 * and blobs. A failure after the rows are gone leaves orphans, never a dangling row; orphans are
 * logged for the operator.
 */
export class ProjectCleanup {
  constructor(
    private readonly deps: { repos: Repositories; blobs: BlobStore; search: SearchIndex; logger: Logger },
  ) {}

  async deleteDocument(doc: DocumentRecord): Promise<void> {
    await this.deps.repos.documents.delete(doc.id);
    await this.removeOutside(doc);
  }

  async deleteProject(projectId: string): Promise<void> {
    const docs: DocumentRecord[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.deps.repos.documents.listByProject(projectId, { limit: 100, cursor });
      docs.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    await this.deps.repos.projects.delete(projectId);
    for (const doc of docs) await this.removeOutside(doc);
  }

  private async removeOutside(doc: DocumentRecord): Promise<void> {
    const results = await Promise.allSettled([
      this.deps.search.deleteDocument(doc.id),
      this.deps.blobs.delete(doc.blobKey),
    ]);
    for (const r of results) {
      if (r.status === "rejected")
        this.deps.logger.warn({ err: r.reason, documentId: doc.id }, "orphan left after delete");
    }
  }
}
