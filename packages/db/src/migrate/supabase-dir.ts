// Where the SQL lives: the repository's supabase/ folder, the same one the Supabase CLI pushes.
import { fileURLToPath } from "node:url";

/** Absolute path of the repository's supabase/ directory. */
export const SUPABASE_DIR = fileURLToPath(new URL("../../../../supabase/", import.meta.url));
