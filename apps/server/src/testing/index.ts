// Test tooling for packages that run Warden in their own tests (the client, examples) and for the benchmark.

export { createLiveSessions } from "../cache/live-sessions.js";
export { linkIn, type MailCatcher, type ParsedMail, startMailCatcher } from "./mail-catcher.js";
export { type NodeRun, runCommand, runNode } from "./run-node.js";
export {
  freePort,
  runServerCommand,
  type SpawnedServer,
  type SpawnOptions,
  spawnWardenServer,
} from "./spawned-server.js";
export { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";
export {
  postForm,
  registerAdmin,
  registerAndLogin,
  startTestServer,
  TEST_ISSUER,
  type TestServer,
  type TokenPairBody,
  type TrpcResult,
  trpc,
} from "./test-server.js";
