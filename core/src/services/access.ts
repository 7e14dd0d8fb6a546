import type { Role } from "@academic-assist/sdk/contract";
import type { DocumentRecord, NoteRecord } from "../domain/records.ts";
import { forbidden, notFound } from "../errors/app-error.ts";
import type { Repositories } from "../ports/index.ts";

const RANK: Record<Role, number> = { viewer: 1, editor: 2, owner: 3 };

/** What a role may do: viewers read, editors also change content, owners also manage the project. */
export function roleAtLeast(role: Role, min: Role): boolean {
  return RANK[role] >= RANK[min];
}

/**
 * Authorization on every object. Things a user may not see answer 404 (never 403, which would
 * confirm they exist); 403 only when the user can see the object but their role is too low.
 */
export class Access {
  constructor(private readonly repos: Repositories) {}

  /** The user's role in the project; 404 when not a member, 403 when below `min`. */
  async project(userId: string, projectId: string, min: Role = "viewer"): Promise<Role> {
    const role = await this.repos.projects.roleOf(projectId, userId);
    if (!role) throw notFound("project", projectId);
    if (!roleAtLeast(role, min))
      throw forbidden(`Your role in this project (${role}) does not allow this; it needs ${min}.`);
    return role;
  }

  async document(userId: string, documentId: string, min: Role = "viewer"): Promise<DocumentRecord> {
    const doc = await this.repos.documents.findById(documentId);
    const role = doc ? await this.repos.projects.roleOf(doc.projectId, userId) : null;
    if (!doc || !role) throw notFound("document", documentId);
    if (!roleAtLeast(role, min))
      throw forbidden(`Your role in this project (${role}) does not allow this; it needs ${min}.`);
    return doc;
  }

  async note(userId: string, noteId: string, min: Role = "viewer"): Promise<NoteRecord> {
    const note = await this.repos.notes.findById(noteId);
    const role = note ? await this.repos.projects.roleOf(note.projectId, userId) : null;
    if (!note || !role) throw notFound("note", noteId);
    if (!roleAtLeast(role, min))
      throw forbidden(`Your role in this project (${role}) does not allow this; it needs ${min}.`);
    return note;
  }
}
