export { totpCodeAt } from "../two-factor/totp.js";
export { describeEachDatabase } from "./describe-each-database.js";
export {
  createTestDatabase,
  type DatabaseTarget,
  databaseTargets,
  type TestDatabase,
} from "./test-database.js";
export { createManualClock, createTestWarden } from "./test-warden.js";
