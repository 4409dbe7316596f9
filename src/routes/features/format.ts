// Number formats of the Features pages: densities as % (or 1e-x when tiny), activations to 3 significant digits.

export function fmtSig(v: number, digits = 3): string {
  if (v === 0) return '0';
  return Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3 ? v.toExponential(digits - 1) : String(Number(v.toPrecision(digits)));
}

/** 0.0123 → "1.23%", 3e-6 → "3.00e-6" (fraction of tokens). */
export function fmtDensity(d: number): string {
  if (d === 0) return '0';
  return d >= 1e-3 ? `${fmtSig(d * 100)}%` : d.toExponential(2);
}
