export * from "./content-hash.ts";
export { noteFileName, resolveNotePath, UnsafePathError } from "./note-path.ts";
export { planWrite, siblingFileName, type PlanWriteInput, type WritePlan } from "./plan-write.ts";
