/** A rate as the dashboard shows it, one decimal ("66.7%", "50.0%"); null (nothing counted) → "—". */
export const rate = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
