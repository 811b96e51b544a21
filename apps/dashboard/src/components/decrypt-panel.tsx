"use client";

// Decrypt locally, the page's half: pick the file, match it to a snapshot of the account, ask the
// server for that file's key (a ticket, then the one-time unwrap), hand file and key to a Web Worker
// that decrypts chunk by chunk, and save the tar: streamed to disk where the browser can
// (showSaveFilePicker), else as one download at the end. The key is transferred to the worker, never
// kept by the page and never stored.
import { useEffect, useMemo, useRef, useState } from "react";
import { MAX_HEADER_LENGTH, readSnapshotHeader } from "@nacre/snapshot/web";
import type { WorkerReply, WorkerRequest } from "@/decrypt/messages.ts";
import { removeIfEmpty } from "@/decrypt/remove-if-empty.ts";

export interface DecryptChoice {
  id: string;
  hostname: string;
  createdAt: string;
  label: string;
}

type Phase =
  | { name: "idle" }
  | { name: "ready"; file: File; header: Uint8Array }
  | { name: "working"; step: string; done: number; total: number }
  | { name: "saved"; message: string }
  | { name: "failed"; message: string };

interface SaveFilePicker {
  (options: { suggestedName: string; types: { description: string; accept: Record<string, string[]> }[] }): Promise<FileSystemFileHandle>;
}

export function DecryptPanel({ choices, preselected }: { choices: DecryptChoice[]; preselected: string | null }) {
  // Marked once hydrated, so the end-to-end tests act only when the handlers are attached.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const [phase, setPhase] = useState<Phase>({ name: "idle" });
  const [snapshotId, setSnapshotId] = useState<string>(preselected ?? choices[0]?.id ?? "");
  const input = useRef<HTMLInputElement>(null);
  const byId = useMemo(() => new Map(choices.map((c) => [c.id, c])), [choices]);

  const pick = async (file: File | undefined): Promise<void> => {
    if (!file) return setPhase({ name: "idle" });
    try {
      const header = new Uint8Array(await file.slice(0, MAX_HEADER_LENGTH).arrayBuffer());
      const parsed = readSnapshotHeader(header);
      const guess = matchByName(file.name, choices);
      if (guess) setSnapshotId(guess);
      setPhase({ name: "ready", file, header: header.subarray(0, parsed.headerLength) });
    } catch (error) {
      setPhase({ name: "failed", message: `This is not a Nacre export this page can open: ${(error as Error).message}` });
    }
  };

  const run = async (): Promise<void> => {
    if (phase.name !== "ready") return;
    const { file, header } = phase;
    const picker = (window as unknown as { showSaveFilePicker?: SaveFilePicker }).showSaveFilePicker;
    let handle: FileSystemFileHandle | undefined;
    const tarName = `${file.name.replace(/\.nacre$/i, "")}.tar`;
    if (picker) {
      try {
        handle = await picker({ suggestedName: tarName, types: [{ description: "Tar archive", accept: { "application/x-tar": [".tar"] } }] });
      } catch {
        return; // the customer closed the save dialog
      }
    }
    setPhase({ name: "working", step: "Asking for this file's key…", done: 0, total: file.size });
    let dataKey: Uint8Array;
    try {
      const { ticket } = await post<{ ticket: string }>("/api/dashboard/decrypt/ticket", { snapshotId });
      const unwrapped = await post<{ dataKey: string }>("/api/dashboard/decrypt/unwrap", { ticket, header: toBase64(header) });
      dataKey = fromBase64(unwrapped.dataKey);
    } catch (error) {
      if (handle) await removeIfEmpty(handle);
      return setPhase({ name: "failed", message: (error as Error).message });
    }
    setPhase({ name: "working", step: "Decrypting and checking every part of the file…", done: 0, total: file.size });
    const worker = new Worker(new URL("../decrypt/decrypt.worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      if (reply.type === "progress") {
        setPhase({ name: "working", step: "Decrypting and checking every part of the file…", done: reply.bytesRead, total: file.size });
        return;
      }
      worker.terminate();
      if (reply.type === "failed") {
        setPhase({ name: "failed", message: `${reply.message} Nothing was saved.` });
      } else if (reply.blob) {
        saveBlob(reply.blob, tarName);
        setPhase({ name: "saved", message: `Done: ${tarName} is in your downloads (${reply.bytesWritten.toLocaleString("en-US")} bytes). Open it with any tar tool.` });
      } else {
        setPhase({ name: "saved", message: `Done: saved as ${handle?.name ?? tarName} (${reply.bytesWritten.toLocaleString("en-US")} bytes). Open it with any tar tool.` });
      }
    };
    const request: WorkerRequest = { file, dataKey, ...(handle ? { handle } : {}) };
    worker.postMessage(request, [dataKey.buffer]);
  };

  const chosen = byId.get(snapshotId);
  return (
    <div className="card" data-testid="decrypt-panel" data-hydrated={hydrated ? "" : undefined}>
      <label htmlFor="export-file">1. The downloaded export</label>
      <input id="export-file" ref={input} type="file" accept=".nacre,application/octet-stream" onChange={(e) => void pick(e.target.files?.[0])} />
      <label htmlFor="snapshot">2. Which snapshot it is</label>
      {choices.length === 0 ? (
        <p className="muted">Your account has no snapshots to decrypt yet.</p>
      ) : (
        <select id="snapshot" value={snapshotId} onChange={(e) => setSnapshotId(e.target.value)} style={{ maxWidth: "100%" }}>
          {choices.map((c) => <option key={c.id} value={c.id}>{c.label}</option>)}
        </select>
      )}
      {chosen && phase.name === "ready" && <p className="muted">Matched by the file&apos;s name; change it if you renamed the file.</p>}
      <p style={{ marginTop: 16 }}>
        <button type="button" onClick={() => void run()} disabled={phase.name !== "ready" || !chosen}>3. Decrypt and save</button>
      </p>
      <div aria-live="polite">
        {phase.name === "working" && (
          <>
            <div className="progress" aria-hidden="true"><div style={{ width: `${phase.total ? Math.round((phase.done / phase.total) * 100) : 0}%` }} /></div>
            <p className="muted" data-testid="decrypt-progress">{phase.step} {phase.total ? `${Math.round((phase.done / phase.total) * 100)}%` : ""}</p>
          </>
        )}
        {phase.name === "saved" && <div className="banner ok" role="status" data-testid="decrypt-done"><p>{phase.message}</p></div>}
        {phase.name === "failed" && <div className="banner bad" role="alert" data-testid="decrypt-error"><p>{phase.message}</p></div>}
      </div>
    </div>
  );
}

/** The snapshot whose hostname and time match an export's download name (`<host>-YYYYMMDD-HHMMSSZ.nacre`). */
function matchByName(name: string, choices: DecryptChoice[]): string | undefined {
  const found = /^(.+)-(\d{8})-(\d{6})Z(?: ?\(\d+\))?\.nacre$/i.exec(name);
  if (!found) return undefined;
  const [, host, day, time] = found;
  const stamp = `${day!.slice(0, 4)}-${day!.slice(4, 6)}-${day!.slice(6)}T${time!.slice(0, 2)}:${time!.slice(2, 4)}:${time!.slice(4)}`;
  return choices.find((c) => c.hostname === host && c.createdAt.slice(0, 19) === stamp)?.id;
}

async function post<T>(url: string, body: unknown): Promise<T> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), cache: "no-store" });
  const parsed = (await response.json().catch(() => ({}))) as T & { error?: { message?: string } };
  if (!response.ok) {
    const words = parsed.error?.message ?? `the request failed (HTTP ${response.status})`;
    throw new Error(`${words.charAt(0).toUpperCase()}${words.slice(1)}.`);
  }
  return parsed;
}

function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function toBase64(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

function fromBase64(text: string): Uint8Array {
  const raw = atob(text);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i += 1) out[i] = raw.charCodeAt(i);
  return out;
}
