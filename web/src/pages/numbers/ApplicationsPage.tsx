// 号码申请: the account's applications for numbers in countries that need one
// (GET /v1/numbers/applications), by status, with the service team's reason when rejected.
import { Button, Form, Select, Space, Typography } from "antd";
import { useCallback, useState } from "react";
import { useTranslation } from "react-i18next";
import { getPage } from "../../api/client";
import { useZone } from "../../auth/me";
import { PageTitle } from "../../components/PageTitle";
import { ServerTable, useServerTable } from "../../components/ServerTable";
import { StatusTag } from "../../components/StatusTag";
import { ZoneNote } from "../../components/ZonedPickers";
import { formatTime } from "../../lib/time";
import { APPLICATION_STATUSES } from "./logic";
import { type Application, useNumberColumns } from "./shared";

export default function ApplicationsPage() {
  const { t } = useTranslation("numbers");
  const zone = useZone();
  const columns = useNumberColumns<Application>();
  const [status, setStatus] = useState<string | undefined>();
  const fetcher = useCallback((cursor?: string) =>
    getPage<Application>("/v1/numbers/applications", "applications", { status, cursor, limit: 50 }), [status]);
  const table = useServerTable<Application>(fetcher, [status]);

  return (
    <>
      <PageTitle title={t("title.applications")} extra={
        <Button onClick={() => void table.reload()} data-testid="applications-refresh">{t("common:action.refresh")}</Button>} />
      <Typography.Paragraph type="secondary">{t("applications.intro")}</Typography.Paragraph>
      <Form layout="inline" style={{ marginBottom: 16, rowGap: 8 }}>
        <Form.Item label={t("col.status")} htmlFor="applications-status">
          <Select id="applications-status" allowClear placeholder={t("filters.any")} style={{ width: 200 }}
            value={status} onChange={setStatus} data-testid="applications-status"
            options={APPLICATION_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))} />
        </Form.Item>
        <Space><ZoneNote /></Space>
      </Form>
      <ServerTable<Application> state={table} rowKey="id" data-testid="applications-table"
        onRow={(row) => ({ "data-msisdn": row.msisdn, "data-status": row.status } as never)}
        columns={[
          { title: t("col.createdAt"), dataIndex: "created_at", render: (v: string) => formatTime(v, zone) },
          ...columns,
          { title: t("col.status"), dataIndex: "status", render: (s: string) => <StatusTag status={s} ns="numbers" /> },
          { title: t("col.reason"), dataIndex: "reason", render: (v: string | null) => (
            v ? <span data-testid="application-reason">{v}</span> : "") },
          { title: t("col.decidedAt"), dataIndex: "decided_at", render: (v: string | null) => formatTime(v, zone) },
        ]} />
    </>
  );
}
