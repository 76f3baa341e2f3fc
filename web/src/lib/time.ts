// Times are shown and entered in the account's time zone, and sent with their offset.
// antd's pickers have no zone: they give wall-clock values, which we read in the zone.
import dayjs, { type Dayjs } from "dayjs";
import timezone from "dayjs/plugin/timezone";
import utc from "dayjs/plugin/utc";

dayjs.extend(utc);
dayjs.extend(timezone);

const WALL = "YYYY-MM-DDTHH:mm:ss";

/** "2026-12-01 15:30:00" in the zone, for an ISO instant from the API. */
export function formatTime(iso: string | null | undefined, zone: string): string {
  if (!iso) return "";
  return dayjs(iso).tz(zone).format("YYYY-MM-DD HH:mm:ss");
}

/** A picker's wall-clock value read in the zone, as ISO 8601 with the zone's offset. */
export function wallToIso(wall: Dayjs, zone: string): string {
  return dayjs.tz(wall.format(WALL), zone).format("YYYY-MM-DDTHH:mm:ssZ");
}

/** An instant as the wall-clock value a picker shows for the zone. */
export function isoToWall(iso: string, zone: string): Dayjs {
  return dayjs(dayjs(iso).tz(zone).format(WALL));
}

/** "Asia/Shanghai (UTC+08:00)": said next to every picker. */
export function zoneLabel(zone: string, at: Date = new Date()): string {
  return `${zone} (UTC${dayjs(at).tz(zone).format("Z")})`;
}

/** Now, as a wall-clock value in the zone (to disable past dates in a picker). */
export function nowWall(zone: string): Dayjs {
  return dayjs(dayjs().tz(zone).format(WALL));
}
