// One call of the log (GET /v1/voice/calls/{id}): every field the API gives, times in the
// account's zone.
import { Descriptions, Drawer, Spin, Typography } from "antd";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { useZone } from "../../auth/me";
import { StatusTag } from "../../components/StatusTag";
import { ZoneNote } from "../../components/ZonedPickers";
import { useNotify } from "../../components/useNotify";
import { formatTime } from "../../lib/time";
import { priceText } from "../numbers/logic";
import "./i18n";
import { durationText } from "./logic";

export interface Call {
  id: string;
  number: string;
  from: string;
  to: string;
  direction: string;
  status: string;
  start_time: string | null;
  end_time: string | null;
  duration: number | null;
  rate: string | null;
  price: string | null;
  currency: string;
}

export function CallDrawer({ id, onClose }: { id: string | null; onClose: () => void }) {
  const { t } = useTranslation("voice");
  const zone = useZone();
  const { fail } = useNotify();
  const [call, setCall] = useState<Call | null>(null);
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useEffect(() => {
    setCall(null);
    if (!id) return undefined;
    let live = true;
    api.get<Call>(`/v1/voice/calls/${encodeURIComponent(id)}`)
      .then((c) => live && setCall(c))
      .catch((e) => { if (live) { fail(e); closeRef.current(); } });
    return () => { live = false; };
  }, [id, fail]);

  return (
    <Drawer open={!!id} onClose={onClose} width={560} title={t("detail")}>
      {!call ? <Spin /> : (
        <div data-testid="call-detail">
          <Descriptions column={1} bordered size="small">
            <Descriptions.Item label={t("col.id")}><Typography.Text copyable>{call.id}</Typography.Text></Descriptions.Item>
            <Descriptions.Item label={t("col.number")}>{call.number}</Descriptions.Item>
            <Descriptions.Item label={t("col.direction")}>{t(`directions.${call.direction}`, { defaultValue: call.direction })}</Descriptions.Item>
            <Descriptions.Item label={t("col.status")}><StatusTag status={call.status} ns="voice" /></Descriptions.Item>
            <Descriptions.Item label={t("col.from")}>{call.from}</Descriptions.Item>
            <Descriptions.Item label={t("col.to")}>{call.to}</Descriptions.Item>
            <Descriptions.Item label={t("col.start")}>{formatTime(call.start_time, zone)}</Descriptions.Item>
            <Descriptions.Item label={t("col.end")}>{formatTime(call.end_time, zone)}</Descriptions.Item>
            <Descriptions.Item label={t("col.duration")}>
              <span data-testid="call-duration">{durationText(call.duration)}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t("col.rate")}>{priceText(call.rate, call.currency)}</Descriptions.Item>
            <Descriptions.Item label={t("col.price")}>
              <span data-testid="call-price">{priceText(call.price, call.currency)}</span>
            </Descriptions.Item>
          </Descriptions>
          <div style={{ marginTop: 12 }}><ZoneNote /></div>
        </div>
      )}
    </Drawer>
  );
}
