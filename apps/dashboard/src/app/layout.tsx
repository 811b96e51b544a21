import type { Metadata } from "next";
import type { ReactNode } from "react";
import { GeistMono } from "geist/font/mono";
import { GeistSans } from "geist/font/sans";
import { TopBar } from "@/components/top-bar.tsx";
import "./globals.css";

// Every page depends on who is signed in: nothing is prerendered at build time.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "Nacre Backups", template: "%s · Nacre Backups" },
  description: "Your assistant's backups: every night, encrypted on your server, kept 14 snapshots deep.",
  robots: { index: false },
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" className={`${GeistSans.variable} ${GeistMono.variable}`}>
      <body style={{ fontFamily: "var(--font-geist-sans), system-ui, sans-serif" }}>
        <TopBar />
        <main>{children}</main>
      </body>
    </html>
  );
}
