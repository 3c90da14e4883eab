import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { CliError, EXIT } from "./cli-error.js";
import { debugReport, prefixed, toCliError } from "./failure.js";

const SERVER = "http://warden.test";

/** A refusal as the client sees it: the server's error shape, with its tRPC code. */
function refusal(code: string, message: string, data: Record<string, unknown> = {}) {
  return TRPCClientError.from({
    error: { message, code: -32600, data: { code, httpStatus: 400, ...data } },
  });
}

describe("toCliError", () => {
  it("says what the server refused, without the tRPC code; exit 1", () => {
    for (const [code, message] of [
      ["NOT_FOUND", "no such session"],
      ["FORBIDDEN", "admins only"],
      ["CONFLICT", "that username is already taken"],
      ["TOO_MANY_REQUESTS", "too many attempts; try again later"],
      ["SERVICE_UNAVAILABLE", "temporarily unavailable; try again shortly"],
      ["INTERNAL_SERVER_ERROR", "internal server error"],
    ] as const) {
      const failure = toCliError(refusal(code, message), SERVER);
      expect(failure.message).toBe(message);
      expect(failure.exitCode).toBe(EXIT.failure);
      expect(prefixed(failure.message)).toBe(`warden: ${message}\n`);
    }
  });

  it("gives one line per bad field, from the field errors; exit 1", () => {
    const failure = toCliError(
      refusal("BAD_REQUEST", "username: must be at least 3 characters; email: must be …", {
        fieldErrors: {
          username: ["must be at least 3 characters", "must not contain spaces"],
          email: ["must be a valid email address"],
        },
      }),
      SERVER,
    );
    expect(failure.exitCode).toBe(EXIT.failure);
    expect(prefixed(failure.message)).toBe(
      "warden: username: must be at least 3 characters, must not contain spaces\n" +
        "warden: email: must be a valid email address\n",
    );
  });

  it("falls back to the message, on one line, for a BAD_REQUEST naming no field", () => {
    const failure = toCliError(refusal("BAD_REQUEST", "bad\n  input"), SERVER);
    expect(failure).toMatchObject({ message: "bad; input", exitCode: EXIT.failure });
  });

  it("an UNAUTHORIZED call with stored credentials ends the session: exit 3", () => {
    const failure = toCliError(refusal("UNAUTHORIZED", "the token is revoked"), SERVER);
    expect(failure.message).toBe(
      "the session has ended (the token is revoked): run `warden login`",
    );
    expect(failure.exitCode).toBe(EXIT.notLoggedIn);
  });

  it("an answer that is not Warden's: exit 1, naming the server", () => {
    const failure = toCliError(TRPCClientError.from(new Error("Unexpected token <")), SERVER);
    expect(failure).toMatchObject({
      message: `unexpected answer from ${SERVER}: Unexpected token <`,
      exitCode: EXIT.failure,
    });
  });

  it("no answer at all: exit 1, with the errno code", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    const fetchFailed = new TypeError("fetch failed", { cause: refused });
    const failure = toCliError(TRPCClientError.from(fetchFailed), SERVER);
    expect(failure).toMatchObject({
      message: `cannot reach the Warden server at ${SERVER} (ECONNREFUSED)`,
      exitCode: EXIT.failure,
    });
  });

  it("keeps a CliError's message and status; anything else is exit 1 on one line", () => {
    const usage = new CliError("the passwords do not match", EXIT.usage);
    expect(toCliError(usage, SERVER)).toBe(usage);
    expect(toCliError(new Error("a\nb"), SERVER)).toMatchObject({
      message: "a; b",
      exitCode: EXIT.failure,
    });
    expect(toCliError("text", SERVER)).toMatchObject({ message: "text", exitCode: EXIT.failure });
  });
});

describe("debugReport", () => {
  it("names the tRPC code, status and procedure, then the stack and its causes", () => {
    const failure = toCliError(
      refusal("NOT_FOUND", "no such session", { httpStatus: 404, path: "sessions.revoke" }),
      SERVER,
    );
    const report = debugReport(failure);
    expect(report.split("\n")[0]).toBe("code: NOT_FOUND (HTTP 404, sessions.revoke)");
    expect(report).toMatch(/\n\s+at /);
    expect(report).toContain("caused by: TRPCClientError: no such session");
  });

  it("has no code line when no server answered", () => {
    const report = debugReport(new CliError("not logged in"));
    expect(report).toMatch(/^CliError: not logged in\n\s+at /);
  });
});
