// Formatting: the API's exact decimal strings in, text for people out (thousands separators,
// at most 2 decimals); dates as "1 Dec 2026", already in the organization's time zone.

export const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
export const LONG_MONTHS = [
  "January", "February", "March", "April", "May", "June",
  "July", "August", "September", "October", "November", "December",
];

function roundDecimal(value, places) {
  let text = String(value ?? "0").trim();
  const negative = text.startsWith("-");
  if (negative || text.startsWith("+")) text = text.slice(1);
  let [whole, fraction = ""] = text.split(".");
  whole = whole.replace(/^0+(?=\d)/, "") || "0";
  if (fraction.length > places) {
    const roundUp = fraction.charCodeAt(places) - 48 >= 5;
    fraction = fraction.slice(0, places);
    if (roundUp) {
      const digits = (whole + fraction).split("").map(Number);
      let k = digits.length - 1;
      while (k >= 0 && digits[k] === 9) digits[k--] = 0;
      if (k < 0) digits.unshift(1);
      else digits[k] += 1;
      const joined = digits.join("");
      whole = joined.slice(0, joined.length - places) || "0";
      fraction = joined.slice(joined.length - places);
    }
  }
  return { negative, whole, fraction };
}

function group(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

// fixed: always `places` decimals; else none for a whole number, `places` for any other.
export function formatDecimal(value, { places = 2, fixed = false } = {}) {
  const exactFraction = String(value ?? "").split(".")[1] || "";
  const { negative, whole, fraction: raw } = roundDecimal(value, places);
  const fraction = fixed || /[1-9]/.test(exactFraction) ? raw.padEnd(places, "0") : "";
  const zero = /^0*$/.test(whole + raw);
  return (negative && !zero ? "-" : "") + group(whole) + (fraction ? "." + fraction : "");
}

// a − b of two exact decimal strings, exactly (the balance card's "used in that period").
export function subtractDecimal(a, b) {
  const places = Math.max(...[a, b].map((value) => (String(value).split(".")[1] || "").length));
  const scaled = (value) => {
    const [whole, fraction = ""] = String(value).replace(/^[+-]/, "").split(".");
    const digits = BigInt(whole + fraction.padEnd(places, "0"));
    return String(value).startsWith("-") ? -digits : digits;
  };
  const difference = scaled(a) - scaled(b);
  const digits = (difference < 0n ? -difference : difference).toString().padStart(places + 1, "0");
  const whole = digits.slice(0, digits.length - places);
  const fraction = places ? "." + digits.slice(digits.length - places) : "";
  return (difference < 0n ? "-" : "") + whole + fraction;
}

export const isPositive = (value) => /[1-9]/.test(String(value ?? "")) && !String(value).startsWith("-");
export const credits = (value) => formatDecimal(value);
export const integer = (value) => group(String(value ?? 0));

export function money(value) {
  const text = formatDecimal(value, { fixed: true });
  return text === "0.00" && isPositive(value) ? "< $0.01" : "$" + text;
}

export function plural(count, one, many = one + "s") {
  return `${integer(count)} ${count === 1 ? one : many}`;
}

// "2026-11-27T14:07:04.238000+01:00" is already in the organization's time zone.
export function formatWhen(iso) {
  const [day, time = ""] = iso.split("T");
  const [y, m, d] = day.split("-").map(Number);
  return `${d} ${MONTHS[m - 1]} ${y}, ${time.slice(0, 5)}`;
}

export function formatDay(isoDay, withYear = true) {
  const [y, m, d] = isoDay.slice(0, 10).split("-").map(Number);
  return withYear ? `${d} ${MONTHS[m - 1]} ${y}` : `${d} ${MONTHS[m - 1]}`;
}

export function addDays(isoDay, days) {
  const [y, m, d] = isoDay.slice(0, 10).split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

export function todayIn(timeZone) {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date());
  } catch {
    return new Date().toISOString().slice(0, 10);
  }
}

export function periodLabel(start, end) {
  const first = start.slice(0, 10);
  const last = addDays(end, -1);
  if (first.slice(8) === "01" && addDays(last, 1).slice(8) === "01" && first.slice(0, 7) === last.slice(0, 7)) {
    return `${LONG_MONTHS[Number(first.slice(5, 7)) - 1]} ${first.slice(0, 4)}`;
  }
  return `${formatDay(first, first.slice(0, 4) !== last.slice(0, 4))} – ${formatDay(last)}`;
}
