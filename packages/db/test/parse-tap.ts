// Reads the TAP stream pgTAP prints (through psql) into results a vitest test can assert on.
// Lines that are not TAP (psql echoing a void function's empty result) are ignored.

export interface TapResult {
  planned: number | undefined;
  passed: string[];
  failed: { description: string; diagnostics: string[] }[];
  /** Diagnostics that follow no test, e.g. "Looks like you planned 3 tests but ran 2". */
  notes: string[];
}

export function parseTap(output: string): TapResult {
  const result: TapResult = { planned: undefined, passed: [], failed: [], notes: [] };
  let lastFailed: { description: string; diagnostics: string[] } | undefined;
  for (const line of output.split("\n")) {
    const plan = /^1\.\.(\d+)$/.exec(line);
    const test = /^(not )?ok \d+( - (.*))?$/.exec(line);
    if (plan) {
      result.planned = Number(plan[1]);
    } else if (test) {
      const description = test[3] ?? "(no description)";
      if (test[1]) {
        lastFailed = { description, diagnostics: [] };
        result.failed.push(lastFailed);
      } else {
        lastFailed = undefined;
        result.passed.push(description);
      }
    } else if (line.startsWith("#")) {
      if (lastFailed) lastFailed.diagnostics.push(line);
      else result.notes.push(line);
    }
  }
  return result;
}
