// `npm run migrate-to-postgres -- --from <sqlite file> --to <postgres url>`: the command that moves a SQLite
// deployment to PostgreSQL (runtime/store/pg/copy-from-sqlite.ts does the work). Bundled on its own by the build
// into .output/server/commands/migrate-to-postgres.mjs, next to the server entry, so it runs wherever the built
// server runs (a production image holds .output only). Progress goes to stderr, the summary to stdout; a refusal
// or failure is one line on stderr and exit 1.
import { parseArgs } from "node:util";
import { envSchema } from "../config/schema";
import { CopyRefused, copyFromSqlite, type CopySummary } from "../store/pg/copy-from-sqlite";

const NAME = "migrate-to-postgres";
const USAGE = `usage: ${NAME} [--from <sqlite file>] [--to <postgres://user:password@host:port/database>]
  --from  the gateway's SQLite database (default: CLAUDEGATE_DB_PATH, else ${envSchema.shape.CLAUDEGATE_DB_PATH.parse(undefined)})
  --to    an empty PostgreSQL database (default: CLAUDEGATE_DATABASE_URL)
Stop the gateway first. The copy is one transaction: if it fails, run it again.`;

class UsageError extends Error {}

interface Args {
  from: string;
  to: string;
}

function parse(argv: string[], env: NodeJS.ProcessEnv): Args | "help" {
  let values: { from?: string; to?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { from: { type: "string" }, to: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError(`${(e as Error).message} (--help for usage)`);
  }
  if (values.help) return "help";
  // An empty variable counts as unset, as everywhere in the gateway's configuration.
  const from = values.from || envSchema.shape.CLAUDEGATE_DB_PATH.parse(env.CLAUDEGATE_DB_PATH || undefined);
  const to = values.to || env.CLAUDEGATE_DATABASE_URL || "";
  if (!to) throw new UsageError("no target database: pass --to postgres://... or set CLAUDEGATE_DATABASE_URL");
  if (!/^postgres(ql)?:\/\//.test(to)) throw new UsageError(`--to must be a postgres:// or postgresql:// URL, not "${redact(to)}"`);
  return { from, to };
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ":***@");
  }
}

/** One line about what went wrong; pg's connection errors can be an AggregateError with no message of its own. */
function describe(e: unknown, to: string): string {
  const err = e as Error & { code?: string; errors?: Error[] };
  if (e instanceof CopyRefused) return err.message;
  const msg = err.message || err.errors?.map((x) => x.message).join("; ") || err.code || String(e);
  const connecting = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|timeout exceeded when trying to connect|Connection terminated/i.test(msg + (err.code ?? ""));
  const line = connecting ? `cannot reach PostgreSQL at ${redact(to)}: ${msg}` : msg;
  return line.replace(/\s*\n\s*/g, " ");
}

function printSummary(s: CopySummary): void {
  const width = Math.max(...s.tables.map((t) => t.name.length));
  const lines = s.tables.map((t) => `  ${t.name.padEnd(width)}  ${t.rows}`);
  process.stdout.write(`copied in ${s.ms} ms:\n${lines.join("\n")}\nnext job seq: ${s.nextJobSeq}\n`);
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let args: Args | "help";
  try {
    args = parse(argv, env);
  } catch (e) {
    process.stderr.write(`${NAME}: ${(e as Error).message}\n`);
    return 1;
  }
  if (args === "help") {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const { from, to } = args;
  process.stderr.write(`${NAME}: copying ${from} into ${redact(to)}\n`);
  try {
    const summary = await copyFromSqlite({ from, to, progress: (line) => process.stderr.write(`${NAME}: ${line}\n`) });
    printSummary(summary);
    return 0;
  } catch (e) {
    process.stderr.write(`${NAME}: ${describe(e, to)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2), process.env);
