"use client";

// Any page that fails to load ends here: say so plainly, offer a retry, and show the digest support
// can look up in the server log.
export default function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="banner bad" role="alert">
      <strong>This page could not be loaded.</strong>
      <p>Something went wrong on our side. Your backups are not affected. Please try again in a minute.</p>
      {error.digest && <p className="muted">Reference for support: <code>{error.digest}</code></p>}
      <p><button type="button" onClick={() => reset()}>Try again</button></p>
    </div>
  );
}
