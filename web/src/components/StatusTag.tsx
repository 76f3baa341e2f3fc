import { Tag } from "antd";
import { useTranslation } from "react-i18next";

const COLORS: Record<string, string> = {
  completed: "green", succeeded: "green", delivered: "green", active: "green", approved: "green",
  sending: "blue", running: "blue", pending: "default", scheduled: "cyan", accepted: "blue", submitted: "blue",
  paused: "orange", cancelled: "default", failed: "red", rejected: "red", blocked: "red", expired: "orange",
  suspended: "red", queued: "default", pending_registration: "orange", released: "default",
  started: "blue", ringing: "cyan", answered: "blue", busy: "orange", timeout: "orange", unanswered: "orange",
};

/** A status in the current language (`status.*` of the page's namespace, else the common
 * words); index.css darkens each tint's text to keep AA contrast. */
export function StatusTag({ status, ns }: { status: string; ns?: string }) {
  const { t } = useTranslation(ns ? [ns, "common"] : "common");
  const label = t(`status.${status}`, { ns: ns ? [ns, "common"] : "common", defaultValue: status });
  return <Tag color={COLORS[status] ?? "default"} data-status={status}>{label}</Tag>;
}
