import { APIClient, type ClientOptions } from "./core/api-client.ts";
import { Auth } from "./resources/auth.ts";
import { Documents } from "./resources/documents.ts";
import { Events } from "./resources/events.ts";
import { Jobs } from "./resources/jobs.ts";
import { Notes } from "./resources/notes.ts";
import { Projects } from "./resources/projects.ts";
import { Search } from "./resources/search.ts";
import { Templates } from "./resources/templates.ts";
import { Tokens } from "./resources/tokens.ts";
import { Usage } from "./resources/usage.ts";

/**
 * The Academic Assist API client.
 *
 * ```ts
 * const client = new AcademicAssist({ baseURL: "http://127.0.0.1:8000", apiKey: process.env.ACADEMIC_ASSIST_API_KEY });
 * const { document } = await client.documents.upload(projectId, file, { filename: "paper.pdf" });
 * await client.documents.waitUntilDone(document.id);
 * ```
 */
export class AcademicAssist extends APIClient {
  readonly auth: Auth = new Auth(this);
  readonly tokens: Tokens = new Tokens(this);
  readonly projects: Projects = new Projects(this);
  readonly documents: Documents = new Documents(this);
  readonly jobs: Jobs = new Jobs(this);
  readonly search: Search = new Search(this);
  readonly notes: Notes = new Notes(this);
  readonly templates: Templates = new Templates(this);
  readonly events: Events = new Events(this);
  readonly usage: Usage = new Usage(this);

  /** A copy of this client with some options replaced, e.g. `client.withOptions({ apiKey: session.accessToken })`. */
  withOptions(options: Partial<ClientOptions>): AcademicAssist {
    return new AcademicAssist({ ...this.options, ...options });
  }
}

export default AcademicAssist;
