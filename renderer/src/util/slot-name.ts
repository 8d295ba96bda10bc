/**
 * The results log keeps the port a unit was on (`sim:1`, `/dev/ttyUSB0`) where the operator
 * knows the slot by its name (the tile's "1"): show the name when a configured slot has that
 * name or port, otherwise what the log says (a slot since removed or renamed).
 */
export function slotName(logged: string, slots: readonly { name: string; spec: string }[]): string {
  return slots.find((s) => s.name === logged)?.name ?? slots.find((s) => s.spec === logged)?.name ?? logged;
}
