// How money, times, dates and counts read on every screen: one date-time format ("Dec 7, 09:54", seconds where
// they matter), counts in words ("1 silo", "2 dead letters").
export const money = (n) => (typeof n === "number" ? `${n < 0 ? "−" : ""}$${Math.abs(n).toLocaleString("en-US", { maximumFractionDigits: 2 })}` : "—");

const clock = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
export const time = (iso, { seconds = false } = {}) => (iso
  ? new Date(iso).toLocaleString("en-US", { month: "short", day: "numeric", ...clock, ...(seconds ? { second: "2-digit" } : {}) })
  : "—");
export const timeWithSeconds = (iso) => time(iso, { seconds: true });
export const clockTime = (iso) => new Date(iso).toLocaleTimeString("en-US", { ...clock, second: "2-digit" });
export const day = (iso) => new Date(iso).toLocaleDateString("en-US", { month: "short", day: "numeric", year: "numeric" });
export const isoDate = (d) => d.toISOString().slice(0, 10);
export const daysAgo = (n) => isoDate(new Date(Date.now() - n * 86400000));

// "1 silo", "2 silos", "no dead letters" (with none: "no …").
export const count = (n, one, many = `${one}s`, none = null) => (n === 0 && none ? none : `${n} ${n === 1 ? one : many}`);

export const kindName = (kind) => ({ "assign-fee": "Assign fee", reward: "Reward", payout: "Payout" })[kind] ?? kind;

// A money entry in words: a payout is money paid to the person, not a loss ("Paid out $21").
export const entryAmount = (e) => (e.kind === "payout" ? `Paid out ${money(Math.abs(e.amount))}` : money(e.amount));
export const entryClass = (e) => (e.kind === "payout" ? "payout" : e.amount < 0 ? "neg" : "pos");

// A journal position "tx:seq" as an event number: seq numbers the events in every mode (tx orders commits on PostgreSQL).
export function eventNumber(position) {
  const seq = Number(String(position).split(":").pop());
  return Number.isFinite(seq) ? seq : null;
}
