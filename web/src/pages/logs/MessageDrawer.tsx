// One message of the log (GET /v1/messages/{id}): every field the API gives, times in the
// account's zone.
import { Descriptions, Drawer, Spin, Typography } from "antd";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { useZone } from "../../auth/me";
import { ZoneNote } from "../../components/ZonedPickers";
import { useNotify } from "../../components/useNotify";
import { formatTime } from "../../lib/time";
import "./i18n";
import { StatusTag } from "../../components/StatusTag";

export interface Message {
  id: string;
  app_id: string | null;
  user_id: string | null;
  task_id: string | null;
  task_name: string | null;
  type: string;
  source: string;
  to: string;
  country: string;
  country_name: { zh: string; en: string } | null;
  from: string;
  text: string;
  segments: number;
  encoding: string;
  price: string;
  status: string;
  err_code: string | null;
  client_ref: string | null;
  carrier_ids: string[];
  created_at: string;
  submitted_at: string | null;
  delivered_at: string | null;
}

const FAILED = new Set(["failed", "expired", "rejected", "blocked"]);

export function MessageDrawer({ id, onClose }: { id: string | null; onClose: () => void }) {
  const { t, i18n } = useTranslation("logs");
  const zone = useZone();
  const { fail } = useNotify();
  const [message, setMessage] = useState<Message | null>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    setMessage(null);
    if (!id) return undefined;
    let live = true;
    api.get<Message>(`/v1/messages/${encodeURIComponent(id)}`)
      .then((m) => live && setMessage(m))
      .catch((e) => { if (live) { fail(e); closeRef.current(); } });
    return () => { live = false; };
  }, [id, fail]);

  const reason = message && FAILED.has(message.status) && message.err_code
    ? t(`reasons.${message.err_code}`, { defaultValue: message.err_code }) : "";
  const time = (v: string | null) => formatTime(v, zone);

  return (
    <Drawer open={!!id} onClose={onClose} width={640} title={t("detail")}>
      {!message ? <Spin /> : (
        <div data-testid="message-detail">
          <Descriptions column={1} bordered size="small">
            <Descriptions.Item label={t("col.id")}>
              <Typography.Text copyable>{message.id}</Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t("col.type")}>{t(`types.${message.type}`, { defaultValue: message.type })}</Descriptions.Item>
            <Descriptions.Item label={t("col.source")}>{t(`sources.${message.source}`, { defaultValue: message.source })}</Descriptions.Item>
            <Descriptions.Item label={t("col.status")}><StatusTag status={message.status} ns="logs" /></Descriptions.Item>
            <Descriptions.Item label={t("col.reason")}>{reason}</Descriptions.Item>
            <Descriptions.Item label={t("col.taskId")}>{message.task_id ?? ""}</Descriptions.Item>
            <Descriptions.Item label={t("col.taskName")}>{message.task_name ?? ""}</Descriptions.Item>
            <Descriptions.Item label={t("col.appId")}>{message.app_id ?? ""}</Descriptions.Item>
            <Descriptions.Item label={t("col.userId")}>{message.user_id ?? ""}</Descriptions.Item>
            <Descriptions.Item label={t("col.from")}>{message.from}</Descriptions.Item>
            <Descriptions.Item label={t("col.to")}>{message.to}</Descriptions.Item>
            <Descriptions.Item label={t("col.countryName")}>
              {message.country_name?.[i18n.language === "en" ? "en" : "zh"] ?? message.country}
            </Descriptions.Item>
            <Descriptions.Item label={t("col.country")}>{message.country}</Descriptions.Item>
            <Descriptions.Item label={t("col.text")}>
              <span style={{ whiteSpace: "pre-wrap" }}>{message.text}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t("col.segments")}>{message.segments}</Descriptions.Item>
            <Descriptions.Item label={t("col.encoding")}>{message.encoding}</Descriptions.Item>
            <Descriptions.Item label={t("col.price")}>{message.price}</Descriptions.Item>
            <Descriptions.Item label={t("col.clientRef")}>{message.client_ref ?? ""}</Descriptions.Item>
            <Descriptions.Item label={t("col.carrierIds")}>{message.carrier_ids.join(", ")}</Descriptions.Item>
            <Descriptions.Item label={t("col.createdAt")}>{time(message.created_at)}</Descriptions.Item>
            <Descriptions.Item label={t("col.submittedAt")}>{time(message.submitted_at)}</Descriptions.Item>
            <Descriptions.Item label={t("col.deliveredAt")}>{time(message.delivered_at)}</Descriptions.Item>
          </Descriptions>
          <div style={{ marginTop: 12 }}><ZoneNote /></div>
        </div>
      )}
    </Drawer>
  );
}
