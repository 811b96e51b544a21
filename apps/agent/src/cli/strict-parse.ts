// Shared by every command's parser: node:util's parseArgs in strict mode, with its errors turned into
// usage errors (exit 2) that point at `nacre-agent help`.
import { parseArgs } from "node:util";
import { CliError, ExitCode } from "../runtime/cli-error.ts";

/** A usage error: what is wrong, and where help is. */
export const usage = (message: string): CliError => new CliError("E_USAGE", `${message} — run \`nacre-agent help\` for usage`, ExitCode.usage);

type Options = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

/** Parses `args` against `options`, refusing unknown flags and missing values as usage errors. */
export function strictParse(args: string[], options: Options): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (err) {
    throw usage((err as Error).message.replace(/\. To specify a positional.*$/s, ""));
  }
}
