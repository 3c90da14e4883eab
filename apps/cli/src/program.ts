import { Command, InvalidArgumentError, Option } from "commander";
import { EXIT } from "./cli-error.js";
import {
  changeEmail,
  deleteAccount,
  resendVerification,
  resetPassword,
  setProfile,
  verifyEmail,
} from "./commands/account.js";
import { createClient, listClients, revokeClient } from "./commands/admin-clients.js";
import { listUsers, resetTwoFactor, setDisabled, setRole } from "./commands/admin-users.js";
import { login } from "./commands/login.js";
import { logout } from "./commands/logout.js";
import { register } from "./commands/register.js";
import { listSessions, revokeSession } from "./commands/sessions.js";
import { token } from "./commands/token.js";
import {
  disableTwoFactor,
  enableTwoFactor,
  regenerateRecoveryCodes,
  type SecondFactorOptions,
} from "./commands/two-factor.js";
import { whoami } from "./commands/whoami.js";
import type { CliContext, GlobalOptions } from "./context.js";
import { createContext, DEFAULT_SERVER } from "./context.js";
import { debugReport, prefixed, toCliError } from "./failure.js";
import { VERSION } from "./version.js";

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new InvalidArgumentError("not a positive integer");
  return number;
}

/**
 * The `warden` command tree. Options are declared on the root, so commander
 * takes them before or after the command name.
 */
export function createProgram(outcome: { exitCode: number }): Command {
  const program = new Command("warden")
    .description("The Warden command line: log in, see who you are, manage sessions and users")
    .version(VERSION)
    .addOption(
      new Option("--server <url>", `the Warden server (env WARDEN_URL, default ${DEFAULT_SERVER})`),
    )
    .option("--json", "print the procedure's output as JSON")
    .option("--debug", "on failure, print the error code and stack trace too")
    .option("--username <username>", "answer the username question")
    .option("--email <email>", "answer the email question")
    .option("--name <name>", "answer the name question")
    .option("--password-stdin", "read the password from stdin (one trailing newline dropped)")
    .showHelpAfterError("(run `warden --help` for usage)")
    .exitOverride();

  const run =
    <A extends unknown[]>(task: (ctx: CliContext, ...args: A) => Promise<void>) =>
    async (command: Command, ...args: A): Promise<void> => {
      const options = command.optsWithGlobals<GlobalOptions & Record<string, unknown>>();
      let server = options.server ?? process.env.WARDEN_URL ?? DEFAULT_SERVER;
      try {
        const ctx = createContext(options);
        server = ctx.server;
        await task(ctx, ...args);
        outcome.exitCode = EXIT.ok;
      } catch (error) {
        const failure = toCliError(error, server);
        process.stderr.write(prefixed(failure.message));
        if (options.debug) process.stderr.write(`${debugReport(failure)}\n`);
        outcome.exitCode = failure.exitCode;
      }
    };

  program
    .command("register")
    .description("create an account (asks for username, email, name and password)")
    .action((_options, command: Command) => run(register)(command));

  program
    .command("login")
    .description("log in and keep the credentials for this server")
    .argument("[username]", "username or email")
    .option("--otp <code>", "the code from the authenticator app, for two-factor login")
    .option("--recovery-code <code>", "a recovery code instead of the app's code (used up)")
    .action((username: string | undefined, options: SecondFactorOptions, command: Command) =>
      run(login)(command, username, options),
    );

  program
    .command("whoami")
    .description("print the logged-in user (refreshes an expired access token)")
    .action((_options, command: Command) => run(whoami)(command));

  program
    .command("logout")
    .description("end the session on the server and forget the credentials")
    .action((_options, command: Command) => run(logout)(command));

  program
    .command("token")
    .description('print a valid access token: curl -H "Authorization: Bearer $(warden token)"')
    .action((_options, command: Command) => run(token)(command));

  const sessions = program.command("sessions").description("list or revoke your sessions");
  sessions
    .command("list", { isDefault: true })
    .description("list your sessions (the default)")
    .action((_options, command: Command) => run(listSessions)(command));
  sessions
    .command("revoke")
    .description("end one of your sessions")
    .argument("<id>", "the session id, from `warden sessions`")
    .action((id: string, _options, command: Command) => run(revokeSession)(command, id));

  program
    .command("verify-email")
    .description("confirm an email address (a new account's, or a change) from its mailed link")
    .argument("<token>", "the token of the link, or the whole link")
    .action((tokenArgument: string, _options, command: Command) =>
      run(verifyEmail)(command, tokenArgument),
    );

  program
    .command("resend-verification")
    .description("mail a new verification link to your address")
    .action((_options, command: Command) => run(resendVerification)(command));

  program
    .command("reset-password")
    .description(
      "--email ADDRESS: mail a reset link; --token TOKEN: set a new password from it (asks twice)",
    )
    .option("--token <token>", "the token of the reset link, or the whole link")
    .action((options: { token?: string }, command: Command) =>
      run(resetPassword)(command, options),
    );

  const profile = program.command("profile").description("change your profile");
  profile
    .command("set")
    .description("change your display name (--name)")
    .action((_options, command: Command) => run(setProfile)(command));

  program
    .command("change-email")
    .description(
      "change your email address (asks your password; confirmed from a link mailed to it)",
    )
    .argument("<address>", "the new address")
    .action((address: string, _options, command: Command) => run(changeEmail)(command, address));

  program
    .command("delete-account")
    .description("delete your account and its posts for good (asks your password and username)")
    .option("--yes", "do not ask to type the username (for scripts)")
    .action((options: { yes?: boolean }, command: Command) => run(deleteAccount)(command, options));

  const twoFactor = program
    .command("2fa")
    .description("two-factor login with an authenticator app (TOTP)");
  twoFactor
    .command("enable")
    .description(
      "turn two-factor login on: a QR code to scan, a code from the app, the recovery codes (without a terminal: prints the setup, then --otp CODE completes it)",
    )
    .option("--otp <code>", "complete the pending setup with this code from the app")
    .action((options: { otp?: string }, command: Command) =>
      run(enableTwoFactor)(command, options),
    );
  twoFactor
    .command("disable")
    .description("turn two-factor login off (asks your password and a code)")
    .option("--otp <code>", "the code from the authenticator app")
    .option("--recovery-code <code>", "a recovery code instead of the app's code")
    .action((options: SecondFactorOptions, command: Command) =>
      run(disableTwoFactor)(command, options),
    );
  twoFactor
    .command("recovery-codes")
    .description("10 new recovery codes; the earlier ones stop working (asks a code)")
    .option("--otp <code>", "the code from the authenticator app")
    .action((options: { otp?: string }, command: Command) =>
      run(regenerateRecoveryCodes)(command, options),
    );

  const admin = program.command("admin").description("administration (admins only)");
  const users = admin.command("users").description("manage users");
  users
    .command("list")
    .description("list users")
    .option("--query <text>", "only users whose username, email or name contains this")
    .option("--limit <n>", "how many per page", positiveInteger)
    .option("--cursor <cursor>", "the page after this cursor")
    .action((options: { query?: string; limit?: number; cursor?: string }, command: Command) =>
      run(listUsers)(command, options),
    );
  users
    .command("set-role")
    .description("make a user an admin or a user (their sessions end; they log in again)")
    .argument("<username>")
    .argument("<role>", "user or admin")
    .action((username: string, role: string, _options, command: Command) =>
      run(setRole)(command, username, role),
    );
  users
    .command("disable")
    .description("disable an account and end its sessions")
    .argument("<username>")
    .action((username: string, _options, command: Command) =>
      run(setDisabled)(command, username, true),
    );
  users
    .command("enable")
    .description("enable a disabled account")
    .argument("<username>")
    .action((username: string, _options, command: Command) =>
      run(setDisabled)(command, username, false),
    );
  users
    .command("reset-2fa")
    .description("turn a user's two-factor login off (lost phone and codes) and end their sessions")
    .argument("<username>")
    .action((username: string, _options, command: Command) =>
      run(resetTwoFactor)(command, username),
    );

  const clients = admin.command("clients").description("manage service clients");
  clients
    .command("create")
    .description("create a service client; prints its id and secret, once")
    .argument("<name>")
    .option("--scope <scope>", "a scope it may use (repeatable)", collect, [])
    .action((name: string, options: { scope: string[] }, command: Command) =>
      run(createClient)(command, name, options.scope),
    );
  clients
    .command("list")
    .description("list service clients (no secrets)")
    .action((_options, command: Command) => run(listClients)(command));
  clients
    .command("revoke")
    .description("revoke a service client")
    .argument("<clientId>")
    .action((clientId: string, _options, command: Command) => run(revokeClient)(command, clientId));

  return program;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
