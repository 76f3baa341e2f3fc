// 待登记号码 (operators): numbers bought in countries that need a registration
// (GET /v1/ops/numbers?status=pending_registration); they cannot send until an operator marks
// them registered (POST /v1/ops/numbers/{msisdn}/registered).
import { Button, Card, Popconfirm, Space, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { api, getPage } from "../../api/client";
import { useZone } from "../../auth/me";
import { PageTitle } from "../../components/PageTitle";
import { ServerTable, useServerTable } from "../../components/ServerTable";
import { StatusTag } from "../../components/StatusTag";
import { ZoneNote } from "../../components/ZonedPickers";
import { useNotify } from "../../components/useNotify";
import { formatTime } from "../../lib/time";
import { numberPath } from "./logic";
import { type NumberRow, useNumberColumns } from "./shared";

export default function PendingNumbersPage() {
  const { t } = useTranslation("numbers");
  const zone = useZone();
  const { fail, done } = useNotify();
  const columns = useNumberColumns<NumberRow>();
  const table = useServerTable<NumberRow>((cursor) => getPage<NumberRow>("/v1/ops/numbers", "numbers",
    { status: "pending_registration", cursor, limit: 50 }), []);

  async function markRegistered(row: NumberRow) {
    try {
      await api.post(`/v1/ops/numbers/${numberPath(row.msisdn)}/registered`);
      done(t("pending.marked", { msisdn: row.msisdn }));
    } catch (error) {
      fail(error);
    }
    void table.reload();
  }

  return (
    <>
      <PageTitle title={t("title.pending")} extra={
        <Button onClick={() => void table.reload()} data-testid="pending-refresh">{t("common:action.refresh")}</Button>} />
      <Typography.Paragraph type="secondary">{t("pending.intro")}</Typography.Paragraph>
      <Card>
        <Space style={{ marginBottom: 12 }}><ZoneNote /></Space>
        <ServerTable<NumberRow> state={table} rowKey="msisdn" data-testid="pending-table"
          onRow={(row) => ({ "data-msisdn": row.msisdn } as never)}
          columns={[
            { title: t("col.account"), dataIndex: "account_id" },
            ...columns,
            { title: t("col.status"), dataIndex: "status", render: (s: string) => <StatusTag status={s} ns="numbers" /> },
            { title: t("col.boughtAt"), dataIndex: "bought_at", render: (v: string) => formatTime(v, zone) },
            { title: t("common:table.actions"), key: "actions", fixed: "right", render: (_: unknown, row) => (
              <Popconfirm title={t("pending.mark")} description={t("pending.markConfirm", { msisdn: row.msisdn })}
                onConfirm={() => markRegistered(row)} okText={t("common:action.confirm")} cancelText={t("common:action.cancel")}
                okButtonProps={{ "data-testid": "mark-confirm" } as never}>
                <Button type="primary" size="small" data-testid={`mark-${row.msisdn}`}>{t("pending.mark")}</Button>
              </Popconfirm>) },
          ]} />
      </Card>
    </>
  );
}
