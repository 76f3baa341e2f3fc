// Date-time pickers in the account's zone: the user picks wall-clock times there (the zone
// is said beside the picker), the API receives ISO 8601 with that zone's offset.
import { DatePicker, Space, Typography } from "antd";
import type { Dayjs } from "dayjs";
import { useTranslation } from "react-i18next";
import { useZone } from "../auth/me";
import { isoToWall, nowWall, wallToIso, zoneLabel } from "../lib/time";

export function ZoneNote() {
  const { t } = useTranslation();
  const zone = useZone();
  return <Typography.Text type="secondary" data-testid="zone-note">{t("app.zone", { zone: zoneLabel(zone) })}</Typography.Text>;
}

interface RangeProps {
  value?: [string, string] | null;
  onChange?: (value: [string, string] | null) => void;
  id?: string;
  "aria-label"?: string;
}

/** A time range as [startIso, endIso] with offsets. */
export function ZonedRangePicker({ value, onChange, id, ...rest }: RangeProps) {
  const { t } = useTranslation();
  const zone = useZone();
  const wall: [Dayjs, Dayjs] | null = value ? [isoToWall(value[0], zone), isoToWall(value[1], zone)] : null;
  return (
    <Space wrap>
      <DatePicker.RangePicker id={id} showTime value={wall} aria-label={rest["aria-label"]}
        placeholder={[t("app.rangeStart"), t("app.rangeEnd")]}
        onChange={(range) => onChange?.(range && range[0] && range[1]
          ? [wallToIso(range[0], zone), wallToIso(range[1], zone)] : null)} />
      <ZoneNote />
    </Space>
  );
}

interface PointProps {
  value?: string | null;
  onChange?: (value: string | null) => void;
  id?: string;
  /** refuse past times (a send time) */
  futureOnly?: boolean;
}

/** One instant as ISO with offset. */
export function ZonedDateTimePicker({ value, onChange, id, futureOnly }: PointProps) {
  const zone = useZone();
  return (
    <Space wrap>
      <DatePicker id={id} showTime value={value ? isoToWall(value, zone) : null}
        disabledDate={futureOnly ? (d) => d.endOf("day").isBefore(nowWall(zone)) : undefined}
        onChange={(d) => onChange?.(d ? wallToIso(d, zone) : null)} />
      <ZoneNote />
    </Space>
  );
}
