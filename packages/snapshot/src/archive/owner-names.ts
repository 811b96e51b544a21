// uname/gname for tar headers, read once per archive from /etc/passwd and /etc/group. GNU tar uses them to
// map ownership when root extracts; they are cosmetic for our own restore, so a system without these files
// (or with names only in LDAP) simply gets empty names and numeric ids still carry the ownership.
import { readFile } from "node:fs/promises";
import { errnoOf } from "./archive-error.ts";

/** Looks up user and group names by numeric id. */
export interface OwnerNames {
  user(uid: number): string;
  group(gid: number): string;
}

/** Loads the local user and group tables; missing tables give empty names. */
export async function loadOwnerNames(): Promise<OwnerNames> {
  const [users, groups] = await Promise.all([readTable("/etc/passwd"), readTable("/etc/group")]);
  return { user: (uid) => users.get(uid) ?? "", group: (gid) => groups.get(gid) ?? "" };
}

async function readTable(path: string): Promise<Map<number, string>> {
  const table = new Map<number, string>();
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if (errnoOf(err) === "ENOENT" || errnoOf(err) === "EACCES") return table;
    throw err;
  }
  for (const line of text.split("\n")) {
    const fields = line.split(":");
    const id = Number(fields[2]);
    if (fields[0] && Number.isInteger(id) && !table.has(id)) table.set(id, fields[0]);
  }
  return table;
}
