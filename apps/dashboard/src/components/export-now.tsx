"use client";

// Export now: ask, then follow the export until the email is sent. The server answers with words a
// customer can act on (agent offline, export already running, …); they are shown as they come.
import { useEffect, useState } from "react";

type ExportState =
  | { phase: "idle" }
  | { phase: "asking" }
  | { phase: "following"; exportId: string; status: "queued" | "running" }
  | { phase: "emailed"; emailTo: string; linkExpiresAt: string }
  | { phase: "failed"; message: string };

interface ExportStatus {
  status: "queued" | "running" | "emailed" | "failed";
  emailTo: string | null;
  linkExpiresAt: string | null;
  error: string | null;
}

const POLL_MS = 2000;

export function ExportNow({ vmId, disabled, inFlightId }: { vmId: string; disabled: boolean; inFlightId: string | null }) {
  // Marked once hydrated, so the end-to-end tests act only when the handlers are attached.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const [state, setState] = useState<ExportState>(inFlightId ? { phase: "following", exportId: inFlightId, status: "queued" } : { phase: "idle" });

  useEffect(() => {
    if (state.phase !== "following") return;
    let stopped = false;
    const timer = setInterval(async () => {
      try {
        const response = await fetch(`/api/dashboard/exports/${state.exportId}`, { cache: "no-store" });
        if (stopped) return;
        if (!response.ok) return setState({ phase: "failed", message: await errorMessage(response) });
        const body = (await response.json()) as ExportStatus;
        if (body.status === "emailed") setState({ phase: "emailed", emailTo: body.emailTo ?? "your account address", linkExpiresAt: body.linkExpiresAt ?? "" });
        else if (body.status === "failed") setState({ phase: "failed", message: body.error ?? "The export failed. Please try again." });
        else if (body.status !== state.status) setState({ ...state, status: body.status });
      } catch {
        // A dropped poll is retried on the next tick; the export itself goes on server-side.
      }
    }, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [state]);

  const start = async (): Promise<void> => {
    setState({ phase: "asking" });
    try {
      const response = await fetch("/api/dashboard/vm/export-data", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ vmId }),
      });
      if (!response.ok) return setState({ phase: "failed", message: await errorMessage(response) });
      const body = (await response.json()) as { exportId: string };
      setState({ phase: "following", exportId: body.exportId, status: "queued" });
    } catch {
      setState({ phase: "failed", message: "The dashboard could not be reached. Check your connection and try again." });
    }
  };

  const busy = state.phase === "asking" || state.phase === "following";
  return (
    <div data-testid="export-now" data-hydrated={hydrated ? "" : undefined}>
      <button type="button" onClick={start} disabled={disabled || busy}>
        {busy ? "Exporting…" : "Export now"}
      </button>
      <div aria-live="polite" style={{ marginTop: 12 }}>
        {state.phase === "asking" && <p className="muted">Asking your server to start…</p>}
        {state.phase === "following" && (
          <>
            <div className="progress" aria-hidden="true"><div style={{ width: state.status === "queued" ? "25%" : "65%" }} /></div>
            <p className="muted" data-testid="export-progress">
              {state.status === "queued" ? "Queued: your server will start the backup in a moment…" : "Your server is taking a fresh encrypted backup and uploading it…"}
            </p>
          </>
        )}
        {state.phase === "emailed" && (
          <div className="banner ok" role="status" data-testid="export-done">
            <strong>Done.</strong>
            <p>A link valid 24 hours was emailed to {state.emailTo}.{state.linkExpiresAt && ` It expires ${new Date(state.linkExpiresAt).toISOString().slice(0, 16).replace("T", " ")} UTC.`}</p>
          </div>
        )}
        {state.phase === "failed" && (
          <div className="banner bad" role="alert" data-testid="export-error">
            <strong>The export did not start or did not finish.</strong>
            <p>{state.message}</p>
          </div>
        )}
      </div>
    </div>
  );
}

async function errorMessage(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { message?: string } };
    if (body.error?.message) return capitalise(body.error.message);
  } catch { /* not JSON */ }
  return response.status === 401 ? "Your session has ended; sign in again." : `The request failed (HTTP ${response.status}). Please try again.`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1) + (text.endsWith(".") ? "" : ".");
}
