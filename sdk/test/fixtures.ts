import type { Document, Event, Note, Project } from "../src/contract/index.ts";

const at = "2026-11-28T15:30:00.000Z";

export function makeProject(overrides: Partial<Project> = {}): Project {
  return {
    id: "prj_1",
    name: "My library",
    description: "",
    language: "en",
    llm: null,
    role: "owner",
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

export function makeDocument(overrides: Partial<Document> = {}): Document {
  return {
    id: "doc_1",
    projectId: "prj_1",
    filename: "paper.pdf",
    mediaType: "application/pdf",
    byteSize: 1234,
    sha256: "a".repeat(64),
    status: "ready",
    progress: null,
    error: null,
    pageCount: 3,
    metadata: {
      title: "A Paper",
      authors: ["A. Author"],
      abstract: null,
      doi: null,
      year: 2024,
      language: "en",
    },
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

export function makeNote(overrides: Partial<Note> = {}): Note {
  return {
    id: "note_1",
    projectId: "prj_1",
    documentId: "doc_1",
    template: "summary",
    language: "en",
    status: "ready",
    title: "A Paper",
    markdown: "---\ntitle: A Paper\n---\nBody [p. 1]\n",
    contentHash: null,
    revision: 1,
    generator: { provider: "extractive", model: "extractive-1" },
    citations: { total: 1, verified: 1, unverified: 0 },
    error: null,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

export function makeEvent(id: number, overrides: Partial<Event> = {}): Event {
  return {
    id: String(id),
    type: "document.status",
    projectId: "prj_1",
    documentId: "doc_1",
    jobId: null,
    noteId: null,
    data: {},
    at,
    ...overrides,
  };
}
