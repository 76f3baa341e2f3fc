// A status tag in the page's language whose text keeps WCAG AA contrast (4.5:1) on its tint:
// antd's green, orange and cyan tag texts do not (about 3.3:1), so they are darkened here.
import { Tag } from "antd";
import { useTranslation } from "react-i18next";

const COLORS: Record<string, string> = {
  delivered: "green", succeeded: "green", submitted: "blue", running: "blue", queued: "default", pending: "default",
  failed: "red", rejected: "red", blocked: "red", expired: "orange", cancelled: "default",
};
const TEXT: Record<string, string> = { green: "#135200", orange: "#873800", cyan: "#00474f" };

/** `status.<status>` from the namespace `ns`, then the common words. */
export function Status({ status, ns }: { status: string; ns: string }) {
  const { t } = useTranslation([ns, "common"]);
  const color = COLORS[status] ?? "default";
  return (
    <Tag color={color} style={TEXT[color] ? { color: TEXT[color] } : undefined} data-status={status}>
      {t(`status.${status}`, { ns: [ns, "common"], defaultValue: status })}
    </Tag>
  );
}
