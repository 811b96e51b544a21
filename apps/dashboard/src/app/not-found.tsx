import Link from "next/link";

export default function NotFound() {
  return (
    <div className="card empty">
      <h1>Not found</h1>
      <p>This page does not exist, or it belongs to an account you are not signed in to.</p>
      <p><Link href="/">Back to your servers</Link></p>
    </div>
  );
}
