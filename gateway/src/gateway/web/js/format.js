// Money (minor units + currency), times (RFC 3339 UTC shown in the viewer's zone), escaping.
const moneyFormats = new Map();

export function money(minor, currency = "INR") {
  const whole = minor % 100 === 0;
  const key = `${currency}:${whole}`;
  if (!moneyFormats.has(key)) {
    moneyFormats.set(
      key,
      new Intl.NumberFormat("en-IN", {
        style: "currency",
        currency,
        minimumFractionDigits: whole ? 0 : 2,
        maximumFractionDigits: whole ? 0 : 2,
      }),
    );
  }
  return moneyFormats.get(key).format(minor / 100);
}

export const TIERS = { REGULAR: "Regular", PREMIUM: "Premium", VIP: "VIP" };
export const tierName = (tier) => TIERS[tier] || tier;

const dayFormat = new Intl.DateTimeFormat("en-GB", { weekday: "short", day: "numeric", month: "short" });
const longFormat = new Intl.DateTimeFormat("en-GB", {
  weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit",
});
const timeFormat = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit" });

export const day = (iso) => dayFormat.format(new Date(iso));
export const when = (iso) => (iso ? longFormat.format(new Date(iso)) : "");
export const clock = (iso) => timeFormat.format(new Date(iso));

export function dayKey(iso) {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function countdown(msLeft) {
  const s = Math.max(0, Math.ceil(msLeft / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const esc = (value) => String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);
