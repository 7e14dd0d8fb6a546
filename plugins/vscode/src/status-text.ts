import type { ConnectionState } from "./session.ts";

/** Text of the status bar item for a state and a number of running jobs (no `vscode` needed). */
export function statusText(state: ConnectionState, jobs: number): { text: string; tooltip: string } {
  const running = jobs > 0 ? ` $(sync~spin) ${jobs}` : "";
  switch (state) {
    case "connected":
      return {
        text: `$(library) Academic Assist${running}`,
        tooltip: jobs > 0 ? `Connected — ${jobs} job${jobs === 1 ? "" : "s"} running` : "Connected",
      };
    case "connecting":
      return { text: `$(loading~spin) Academic Assist${running}`, tooltip: "Connecting…" };
    case "offline":
      return { text: `$(debug-disconnect) Academic Assist${running}`, tooltip: "Server unreachable" };
    case "unauthorized":
      return { text: "$(warning) Academic Assist: sign in", tooltip: "The token expired or was revoked" };
    case "signedOut":
      return { text: "$(account) Academic Assist: sign in", tooltip: "Not signed in" };
  }
}
