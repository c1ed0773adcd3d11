/**
 * Every amount of money ptc shows, in one format: two decimals from a dollar up; below it four, because a
 * typical call costs around a cent and "$0.01" for $0.0149 hides a third of it. Trailing zeros past the second
 * decimal go ("$0.125", "$0.10"). Tables of prices leave the sign out (`sign: false`).
 */
export function formatUsd(usd: number | null, o: { sign?: boolean } = {}): string {
  if (usd === null || !Number.isFinite(usd)) return 'unknown';
  const $ = o.sign === false ? '' : '$';
  if (usd === 0) return `${$}0.00`;
  if (usd < 0.0001) return `<${$}0.0001`;
  if (usd >= 1) return `${$}${usd.toFixed(2)}`;
  return `${$}${usd.toFixed(4).replace(/0{1,2}$/, '')}`;
}
