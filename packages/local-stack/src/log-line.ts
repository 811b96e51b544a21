// How the local stack tells a person what it is about to do on their machine (install a package,
// start a server). One line per step, on stderr so that a ready line on stdout stays parseable.
export type LogLine = (line: string) => void;

/** The default: "local-stack: <line>" on stderr. */
export const logToStderr: LogLine = (line) => {
  process.stderr.write(`local-stack: ${line}\n`);
};
