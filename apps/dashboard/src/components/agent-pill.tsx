export function AgentPill({ online, enrolled }: { online: boolean; enrolled: boolean }) {
  if (!enrolled) return <span className="pill">Agent not installed</span>;
  return <span className={`pill ${online ? "online" : "offline"}`}>{online ? "Agent online" : "Agent offline"}</span>;
}
