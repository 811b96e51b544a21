// The bar on every page: who is signed in and where they can go. Customers and support see
// different destinations; a signed-out visitor sees only the brand.
import Link from "next/link";
import { currentUser } from "@/server/auth/current-user.ts";

export async function TopBar() {
  const user = await currentUser().catch(() => null);
  return (
    <header className="topbar">
      <Link href="/" className="brand">nacre<span>.</span>backups</Link>
      {user && (
        <nav className="nav" aria-label="Main">
          {user.role === "customer" ? (
            <>
              <Link href="/">Servers</Link>
              <Link href="/decrypt">Decrypt locally</Link>
            </>
          ) : (
            <>
              <Link href="/support">Support console</Link>
              <Link href="/support/audit">Audit log</Link>
            </>
          )}
          <span className="who">{user.email || "support"}{user.role === "support" ? " · support" : ""}</span>
          <form action="/api/auth/sign-out" method="post">
            <button type="submit" className="secondary small">Sign out</button>
          </form>
        </nav>
      )}
    </header>
  );
}
