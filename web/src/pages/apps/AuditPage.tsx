// 审计日志: the account's audit events (secret reveals, app, webhook and blacklist changes),
// newest first, as GET /v1/audit-events gives them (owners only; it has no filters).
import { Alert, Button, Space, Typography } from "antd";
import { useCallback } from "react";
import { useTranslation } from "react-i18next";
import { getPage } from "../../api/client";
import { useMe, useZone } from "../../auth/me";
import { PageTitle } from "../../components/PageTitle";
import { ServerTable, useServerTable } from "../../components/ServerTable";
import { ZoneNote } from "../../components/ZonedPickers";
import { formatTime } from "../../lib/time";
import "./i18n";

interface AuditEvent { id: string; action: string; actor: string; target: string | null; created_at: string }

const EMPTY = Promise.resolve({ items: [] as AuditEvent[], next: null });

export default function AuditPage() {
  const { t } = useTranslation("apps");
  const me = useMe();
  const zone = useZone();
  const owner = me.role === "owner";
  const fetcher = useCallback((cursor?: string) =>
    (owner ? getPage<AuditEvent>("/v1/audit-events", "events", { cursor }) : EMPTY), [owner]);
  const table = useServerTable<AuditEvent>(fetcher, [owner]);

  return (
    <>
      <PageTitle title={t("auditTitle")} extra={owner && <Button onClick={() => table.reload()}>{t("common:action.refresh")}</Button>} />
      <Typography.Paragraph type="secondary">{t("auditIntro")}</Typography.Paragraph>
      {!owner && <Alert type="info" showIcon message={t("ownerOnly")} style={{ marginBottom: 16 }} />}
      <Space style={{ marginBottom: 12 }}><ZoneNote /></Space>
      <ServerTable<AuditEvent> state={table} rowKey="id" data-testid="audit-table"
        onRow={(row) => ({ "data-action": row.action, "data-target": row.target ?? "" } as never)}
        columns={[
          { title: t("time"), dataIndex: "created_at", render: (v: string) => formatTime(v, zone) },
          { title: t("action"), dataIndex: "action", render: (a: string) => t(`actions.${a}`, { defaultValue: a }) },
          { title: t("actor"), dataIndex: "actor",
            render: (v: string) => (v === me.user.id ? t("you", { name: me.user.name || me.user.email }) : v) },
          { title: t("target"), dataIndex: "target", render: (v: string | null) => v ?? "-" },
        ]} />
    </>
  );
}
