import { describe, expect, it } from "vitest";
import { errorCodeOf } from "../../ports/contracts/contract-helpers.ts";
import { guard } from "./errors.ts";

/** What Node's `socket.write` throws after the peer closed the connection (writeAfterFIN). */
function writeAfterFin(): Error {
  return Object.assign(new Error("This socket has been ended by the other party"), { code: "EPIPE" });
}

describe("MongoDB error translation", () => {
  it("when the driver writes to a connection the database just closed, then the caller gets service_unavailable, not an internal error", async () => {
    const code = await errorCodeOf(guard("The metadata store", () => Promise.reject(writeAfterFin())));

    expect(code).toBe("service_unavailable");
  });

  it("when an operation fails for another reason, then the error passes through unchanged", async () => {
    const bug = new TypeError("x is not a function");

    await expect(guard("The metadata store", () => Promise.reject(bug))).rejects.toBe(bug);
  });
});
