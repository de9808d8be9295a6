// How money, times and dates read on every screen.
export const money = (n) => (typeof n === "number" ? `${n < 0 ? "−" : ""}$${Math.abs(n).toLocaleString("en-US", { maximumFractionDigits: 2 })}` : "—");
export const time = (iso) => (iso ? new Date(iso).toLocaleString() : "—");
export const shortTime = (iso) => new Date(iso).toLocaleString("en-US", { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
export const isoDate = (d) => d.toISOString().slice(0, 10);
export const daysAgo = (n) => isoDate(new Date(Date.now() - n * 86400000));
export const kindName = (kind) => ({ "assign-fee": "Assign fee", reward: "Reward", payout: "Payout" })[kind] ?? kind;
