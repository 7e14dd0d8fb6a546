export * from "./content-hash.ts";
