import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { currentUser } from "@/server/auth/current-user.ts";
import { listLocalAccounts, localSignInEnabled } from "@/server/auth/local-accounts.ts";

export const metadata: Metadata = { title: "Sign in" };

const ERRORS: Record<string, string> = {
  E_SIGN_IN: "That email and password did not match an account.",
  E_UNKNOWN_ACCOUNT: "That account does not exist in the local database; run `pnpm db:reset` to restore the seed.",
  E_ORIGIN: "The sign-in did not come from this page; please try again.",
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  if (await currentUser()) redirect("/");
  const { error } = await searchParams;
  const message = error ? ERRORS[error] ?? "Sign-in failed; please try again." : undefined;
  return (
    <div style={{ maxWidth: 440, margin: "40px auto" }}>
      <h1>Sign in</h1>
      {message && <div className="banner bad" role="alert"><p>{message}</p></div>}
      {localSignInEnabled() ? <LocalSignIn /> : <PasswordSignIn />}
    </div>
  );
}

async function LocalSignIn() {
  const accounts = await listLocalAccounts();
  return (
    <div className="card">
      <p className="lede">Local stack: pick a seeded account. This sign-in does not exist in production builds.</p>
      {accounts.length === 0 && <p className="empty">No accounts in the local database.</p>}
      {accounts.map((account) => (
        <form key={account.id} action="/api/auth/local" method="post" className="row" style={{ margin: "8px 0" }}>
          <input type="hidden" name="userId" value={account.id} />
          <button type="submit" className={account.role === "support" ? "secondary" : ""} data-account={account.email}>
            Sign in as {account.email}
          </button>
          <span className="muted">{account.role}</span>
        </form>
      ))}
    </div>
  );
}

function PasswordSignIn() {
  return (
    <form className="card" action="/api/auth/sign-in" method="post">
      <label htmlFor="email">Email</label>
      <input id="email" name="email" type="text" autoComplete="email" required style={{ width: "100%" }} />
      <label htmlFor="password">Password</label>
      <input id="password" name="password" type="password" autoComplete="current-password" required style={{ width: "100%" }} />
      <p><button type="submit">Sign in</button></p>
    </form>
  );
}
