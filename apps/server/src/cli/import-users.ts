import {
  importLegacyUsers,
  type LegacyImportReport,
  openLegacyDatabase,
  type WardenDatabase,
} from "@warden/auth-core";

export interface ImportUsersOptions {
  readonly from: string;
  readonly table?: string;
  readonly usernameColumn?: string;
  readonly emailColumn?: string;
  readonly passwordColumn?: string;
  readonly nameColumn?: string;
  readonly emailDomain?: string;
  readonly batchSize?: string;
}

/**
 * `warden-server import-users --from <old DATABASE_URL>`: progress on stderr,
 * the report on stdout. Never prints a hash (the report carries none).
 */
export async function importUsers(
  database: WardenDatabase,
  options: ImportUsersOptions,
  out: (line: string) => void,
  progress: (line: string) => void,
): Promise<LegacyImportReport> {
  const batchSize = options.batchSize === undefined ? undefined : Number(options.batchSize);
  const source = await openLegacyDatabase(options.from);
  if (source.readAs) progress(`import-users: --from is ${source.readAs}`);
  try {
    const report = await importLegacyUsers(source.db, database.db, {
      table: options.table,
      usernameColumn: options.usernameColumn,
      emailColumn: options.emailColumn,
      passwordColumn: options.passwordColumn,
      nameColumn: options.nameColumn,
      emailDomain: options.emailDomain,
      batchSize,
      onProgress: (done, total) => progress(`import-users: ${done}/${total} rows`),
    });
    const { columns } = report;
    out(
      `read ${report.total} rows of "${columns.table}" (id: ${columns.id}, username: ${columns.username ?? "-"}, email: ${columns.email ?? "-"}, password: ${columns.password}, name: ${columns.name ?? "-"}, created_at: ${columns.createdAt ?? "-"})`,
    );
    for (const { id, changes } of report.changed) {
      for (const change of changes) out(`changed id ${id}: ${change}`);
    }
    for (const { id, reason } of report.skipped) out(`skipped id ${id}: ${reason}`);
    const { derived } = report;
    if (derived.usernameFromEmail)
      out(`${derived.usernameFromEmail} usernames taken from the email's local part`);
    if (derived.emailFromDomain)
      out(`${derived.emailFromDomain} emails made as <username>@${options.emailDomain}`);
    if (derived.nameFromUsername) out(`${derived.nameFromUsername} names taken from the username`);
    const reasons = new Map<string, number>();
    for (const { reason } of report.skipped) {
      const kind = reason.replace(/"[^"]*"/g, "…").replace(/row \S+'s/, "another row's");
      reasons.set(kind, (reasons.get(kind) ?? 0) + 1);
    }
    out(
      `imported ${report.imported}, changed ${report.changed.length}, skipped ${report.skipped.length}${
        reasons.size
          ? ` (${[...reasons].map(([reason, count]) => `${count}: ${reason}`).join("; ")})`
          : ""
      }`,
    );
    return report;
  } finally {
    await source.destroy();
  }
}
