import { type DestinationStream, type Logger, pino, stdSerializers } from "pino";

const CENSOR = "[redacted]";

/**
 * What database drivers attach to an error that can hold a query's values:
 * mysql2's `sql` (the statement with every value inlined: a password hash, a
 * private key); PostgreSQL's `detail` ("Failing row contains (...)", "Key
 * (email)=(...)"), `where` and `internalQuery` (statement text), `hint`; and
 * the bound values some libraries keep beside the query.
 */
const VALUE_FIELDS = new Set([
  "sql",
  "parameters",
  "params",
  "values",
  "bindings",
  "query",
  "detail",
  "where",
  "internalQuery",
  "hint",
]);

// A bcrypt hash quoted in a message (a MySQL syntax error quotes the statement around the fault).
const STORED_HASH = /\$2[abxy]\$\d{2}\$[./A-Za-z0-9]{53}|\$bcrypt-sha256\$[^\s'"`,)]+/g;

// What pino's serializer makes of an error: an object of this prototype.
const SERIALIZED_ERROR = Object.getPrototypeOf(stdSerializers.err(new Error("probe")));

/**
 * pino's standard error serializer, minus the values: each field in
 * VALUE_FIELDS is censored, in the error and in every error it holds
 * (aggregated errors, errors kept under other keys), and a stored password
 * hash quoted in a message or stack is masked. A driver object hung on an
 * error (pg-pool's `err.client`: its configuration, TLS options, sockets) is
 * logged as its class name only. The type, message, code and the rest stay,
 * so the log still says what failed and where.
 */
export function serializeError(error: unknown): unknown {
  const serialized = stdSerializers.err(error as Error);
  return serialized === error ? error : redactValues(serialized, 0);
}

function redactValues(value: unknown, depth: number): unknown {
  if (typeof value === "string") return value.replace(STORED_HASH, CENSOR);
  if (typeof value !== "object" || value === null) return value;
  if (depth > 8) return CENSOR;
  if (Array.isArray(value)) return value.map((item) => redactValues(item, depth + 1));
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null && prototype !== SERIALIZED_ERROR) {
    return value instanceof Date ? value : `[${prototype?.constructor?.name || "object"}]`;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (VALUE_FIELDS.has(key)) {
      if (record[key] !== undefined && record[key] !== null) record[key] = CENSOR;
    } else {
      record[key] = redactValues(record[key], depth + 1);
    }
  }
  return record;
}

/**
 * Structured JSON logs, or human-readable ones (`pretty`: development on a
 * terminal). Credentials are redacted wherever a request or an error carries
 * them, and no logged error carries the values of a query (serializeError),
 * whichever of `err` or `error` it is logged under.
 *
 * Lines go to stdout through pino's asynchronous destination: a request does
 * not wait for its log line to be written (pino flushes what is buffered when
 * the process exits). `destination` replaces stdout; tests pass their own to
 * read what was logged.
 */
export function createLogger(
  level: string,
  options: { destination?: DestinationStream; pretty?: boolean } = {},
): Logger {
  const settings = {
    level,
    serializers: { err: serializeError, error: serializeError },
    redact: {
      paths: [
        "req.headers.authorization",
        "req.headers.cookie",
        "req.body.password",
        "req.body.client_secret",
        "req.body.refresh_token",
        "req.body.mfa_token",
        "req.body.otp",
        "req.body.recovery_code",
        "*.password",
        "*.refreshToken",
        "*.accessToken",
        "*.mfaToken",
        "*.recoveryCode",
        "*.recoveryCodes",
        "*.secret",
        "*.otpauthUri",
      ],
      censor: CENSOR,
    },
  };
  if (options.destination) return pino(settings, options.destination);
  if (options.pretty) {
    return pino({
      ...settings,
      transport: {
        target: "pino-pretty",
        options: { translateTime: "HH:MM:ss.l", ignore: "pid,hostname" },
      },
    });
  }
  return pino(settings, stdoutDestination());
}

/**
 * stdout through sonic-boom (pino's asynchronous destination) in its buffer
 * mode, fed one Buffer per line. In its default string mode sonic-boom
 * appends each line to the text still waiting to be written and measures
 * that whole text's byte length again (Buffer.byteLength flattens it), so a
 * line costs as much as everything queued before it: 4 % of a small
 * request's CPU in the profile at 20,000 lines/s. Measured with pino in
 * bursts of 50 lines to a pipe: 2.7 µs of CPU per line in string mode, 1.9
 * in buffer mode. pino.destination still makes the stream, so what is
 * queued is written when the process exits.
 */
function stdoutDestination(): DestinationStream {
  const stream = pino.destination({ dest: 1, sync: false, contentMode: "buffer" });
  // sonic-boom's types only know its string mode; in buffer mode it takes bytes.
  const writeBytes = stream.write.bind(stream) as unknown as (bytes: Buffer) => boolean;
  return { write: (line: string) => writeBytes(Buffer.from(line)) };
}

/**
 * The access log's logger: `logger`'s level and destination (so lines never
 * interleave), without its redaction. The access log's fields are fixed and
 * hold no secret (access-log.ts: no query string, no header), while the
 * redaction's wildcard paths walked every line: a tenth of the CPU of a
 * small request in the profile.
 */
export function createAccessLogger(logger: Logger): Logger {
  const destination = (logger as unknown as Record<symbol, DestinationStream>)[
    pino.symbols.streamSym
  ];
  return pino({ level: logger.level }, destination);
}

type LogArguments = Parameters<Logger["info"]>;

/**
 * A request's logger (Fastify's `request.log`), made only when something is
 * logged through it. Fastify makes a pino child per request to bind the
 * request id, and pino runs the parent's redaction over those bindings when
 * it makes one: 3 % of a small request's main-thread time in the profile,
 * for a logger that logs nothing on almost every request (the access log
 * line has its own logger, access-log.ts). The first call makes the very
 * child Fastify would have made (same bindings, same options), and every
 * call goes to it: the same lines, redacted alike.
 */
export class LazyChildLogger {
  #child: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Record<string, unknown>,
    private readonly options: Record<string, unknown>,
  ) {}

  /** The child, made on first use. */
  get logger(): Logger {
    this.#child ??= this.parent.child(this.bindings, this.options);
    return this.#child;
  }

  get level(): string {
    return this.#child?.level ?? (this.options.level as string | undefined) ?? this.parent.level;
  }
  set level(level: string) {
    this.logger.level = level;
  }

  fatal(...args: LogArguments): void {
    this.logger.fatal(...args);
  }
  error(...args: LogArguments): void {
    this.logger.error(...args);
  }
  warn(...args: LogArguments): void {
    this.logger.warn(...args);
  }
  info(...args: LogArguments): void {
    this.logger.info(...args);
  }
  debug(...args: LogArguments): void {
    this.logger.debug(...args);
  }
  trace(...args: LogArguments): void {
    this.logger.trace(...args);
  }
  silent(...args: LogArguments): void {
    this.logger.silent(...args);
  }
  isLevelEnabled(level: string): boolean {
    return this.logger.isLevelEnabled(level);
  }
  child(bindings: Record<string, unknown>, options?: Record<string, unknown>): Logger {
    return this.logger.child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`: each request's logger, made when first used (LazyChildLogger). */
export function lazyChildLoggerFactory(
  logger: unknown,
  bindings: Record<string, unknown>,
  options: Record<string, unknown>,
): LazyChildLogger {
  return new LazyChildLogger(logger as Logger, bindings, options);
}
