import type { AcademicAssist } from "../client.ts";

/** Base of the resource namespaces (`client.documents`, `client.notes` …). */
export abstract class APIResource {
  protected readonly _client: AcademicAssist;

  constructor(client: AcademicAssist) {
    this._client = client;
  }
}
