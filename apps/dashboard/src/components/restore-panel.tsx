"use client";

// The support runbook's first step on screen (docs/runbooks/restore.md): pick the snapshot, type the
// server's hostname to confirm (a restore overwrites /data), then follow every step live until the
// restore succeeds, fails with /data untouched, or rolls back.
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";

interface RestoreStep {
  at: string;
  step: string;
  message: string;
}

interface RestoreStatus {
  status: "requested" | "running" | "succeeded" | "failed" | "rolled-back";
  step: string | null;
  error: string | null;
  steps: RestoreStep[];
}

const POLL_MS = 1500;

export function RestorePanel({ vmId, hostname, snapshots, inFlightId }: {
  vmId: string;
  hostname: string;
  snapshots: { id: string; label: string }[];
  inFlightId: string | null;
}) {
  // Marked once hydrated, so the end-to-end tests act only when the handlers are attached.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const [snapshotId, setSnapshotId] = useState(snapshots[0]?.id ?? "");
  const [confirm, setConfirm] = useState("");
  const [restoreId, setRestoreId] = useState<string | null>(inFlightId);
  const [status, setStatus] = useState<RestoreStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const router = useRouter();

  useEffect(() => {
    if (!restoreId) return;
    let stopped = false;
    const tick = async (): Promise<void> => {
      try {
        const response = await fetch(`/api/support/restores/${restoreId}`, { cache: "no-store" });
        if (!response.ok || stopped) return;
        const body = (await response.json()) as RestoreStatus;
        setStatus(body);
        if (body.status === "succeeded" || body.status === "failed" || body.status === "rolled-back") {
          stopped = true;
          router.refresh(); // the page's tables (restores, snapshots, audit log) now have the outcome
        }
      } catch { /* next tick */ }
      if (!stopped) setTimeout(tick, POLL_MS);
    };
    void tick();
    return () => {
      stopped = true;
    };
  }, [restoreId, router]);

  const start = async (): Promise<void> => {
    setSending(true);
    setError(null);
    try {
      const response = await fetch("/api/support/restores", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ vmId, snapshotId, confirmHostname: confirm.trim() }),
      });
      const body = (await response.json().catch(() => ({}))) as { restoreId?: string; error?: { code: string; message: string } };
      if (!response.ok || !body.restoreId) setError(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`);
      else {
        setStatus(null);
        setRestoreId(body.restoreId);
      }
    } catch {
      setError("The dashboard could not be reached; nothing was started.");
    } finally {
      setSending(false);
    }
  };

  const finished = status && ["succeeded", "failed", "rolled-back"].includes(status.status);
  const running = restoreId !== null && !finished;
  return (
    <div className="card" data-testid="restore-panel" data-hydrated={hydrated ? "" : undefined}>
      {snapshots.length === 0 ? (
        <p className="muted">This server has no completed snapshot to restore.</p>
      ) : (
        <>
          <p style={{ marginTop: 0 }}>
            A restore overwrites this server&apos;s <code>/data</code>. A pre-restore snapshot of the current data is taken first and
            kept 30 days; messages received after the chosen snapshot are not replayed — tell the customer before you start.
          </p>
          <label htmlFor="restore-snapshot">Snapshot to restore</label>
          <select id="restore-snapshot" value={snapshotId} onChange={(e) => setSnapshotId(e.target.value)} disabled={running}>
            {snapshots.map((s) => <option key={s.id} value={s.id}>{s.label}</option>)}
          </select>
          <label htmlFor="restore-confirm">Type the hostname <code>{hostname}</code> to confirm</label>
          <input id="restore-confirm" type="text" value={confirm} onChange={(e) => setConfirm(e.target.value)} autoComplete="off" spellCheck={false} disabled={running} style={{ width: "100%" }} />
          <p>
            <button type="button" className="danger" onClick={() => void start()} disabled={running || sending || confirm.trim() !== hostname || !snapshotId}>
              {running ? "Restore running…" : "Start restore"}
            </button>
          </p>
        </>
      )}
      {error && <div className="banner bad" role="alert" data-testid="restore-error"><p>{error}</p></div>}
      {restoreId && (
        <div aria-live="polite" data-testid="restore-progress">
          <p><strong>Restore {restoreId.slice(0, 8)}:</strong> <span data-testid="restore-status">{status?.status ?? "starting"}</span></p>
          <ol className="steps">
            {(status?.steps ?? []).map((s, i) => (
              <li key={`${s.at}-${i}`}><code>{s.at.slice(11, 19)}</code> <strong>{s.step}</strong> — {s.message}</li>
            ))}
          </ol>
          {status?.error && <div className={`banner ${status.status === "rolled-back" ? "warn" : "bad"}`}><p>{status.error}</p></div>}
          {status?.status === "succeeded" && <div className="banner ok"><p>Restored. The server is running on the chosen snapshot&apos;s data.</p></div>}
        </div>
      )}
    </div>
  );
}
