// The two warnings a customer must not miss: backups failing two nights in a row (with the last
// error in the customer's words and what happens next), and an agent that has gone quiet.
import { describeFailure } from "@nacre/core";
import { offlineSince } from "@/server/queries/vm-status.ts";
import type { VmRow } from "@/server/queries/vm-status.ts";
import type { NightRow } from "@/server/queries/customer-views.ts";
import { formatUtc, relativeTime } from "@/lib/format.ts";

export function BackupBanners({ vm, now, nights = [], compact = false }: { vm: VmRow; now: Date; nights?: NightRow[]; compact?: boolean }) {
  const offline = offlineSince(vm, now);
  const lastFailed = nights.find((night) => night.status === "failed");
  const code = lastFailed?.lastErrorCode ?? null;
  return (
    <>
      {vm.backupAlertSince && (
        <div className="banner bad" role="alert" data-testid="failed-nights-banner">
          <strong>Backups of this server failed two nights in a row.</strong>
          {!compact && (
            <>
              <p>{code ? describeFailure(code) : "The last nights' backups did not complete."}</p>
              <p>
                {vm.lastBackupSucceededAt
                  ? <>Your last good backup is from {formatUtc(vm.lastBackupSucceededAt)} ({relativeTime(vm.lastBackupSucceededAt, now)}); it stays available. </>
                  : <>There is no good backup of this server yet. </>}
                We try again every hour through the night and again tomorrow at 03:00 UTC; this message goes away after the next successful backup.
                {code && <span className="muted"> (Reference for support: <code>{code}</code>)</span>}
              </p>
            </>
          )}
        </div>
      )}
      {offline && (
        <div className="banner warn" role="status" data-testid="offline-banner">
          <strong>The backup agent on this server has been offline since {formatUtc(offline)} ({relativeTime(offline, now)}).</strong>
          {!compact && <p>While it is offline no backup can be taken. Check that the server is running and connected to the internet; the agent reconnects by itself.</p>}
        </div>
      )}
    </>
  );
}
