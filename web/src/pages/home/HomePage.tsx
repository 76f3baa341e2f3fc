// The home dashboard: balance, today's sent / delivered / failed (the report's totals for the
// account's today) and the last tasks.
import { Card, Col, Row, Statistic, Table } from "antd";
import dayjs from "dayjs";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { useMe, useZone } from "../../auth/me";
import { PageTitle } from "../../components/PageTitle";
import { StatusTag } from "../../components/StatusTag";
import { useNotify } from "../../components/useNotify";
import { registerBundle } from "../../i18n";
import { formatTime } from "../../lib/time";

registerBundle("home", {
  zh: { title: "首页", balance: "账户余额", sent: "今日发送", delivered: "今日成功", failed: "今日失败",
    lastTasks: "最近任务", name: "任务名称", status: "状态", createdAt: "创建时间" },
  en: { title: "Home", balance: "Balance", sent: "Sent today", delivered: "Delivered today", failed: "Failed today",
    lastTasks: "Latest tasks", name: "Task name", status: "Status", createdAt: "Created" },
});

interface Totals { total: number; delivered: number; failed: number }
interface TaskRow { task_id: string; name: string; status: string; created_at: string }

export default function HomePage() {
  const { t } = useTranslation("home");
  const me = useMe();
  const zone = useZone();
  const { fail } = useNotify();
  const [totals, setTotals] = useState<Totals | null>(null);
  const [tasks, setTasks] = useState<TaskRow[]>([]);

  useEffect(() => {
    const today = dayjs().tz(zone).format("YYYY-MM-DD");
    api.get<{ totals: Totals }>("/v1/reports", { start: today, end: today })
      .then((body) => setTotals(body.totals)).catch(fail);
    api.get<{ tasks: TaskRow[] }>("/v1/tasks", { limit: 5 }).then((body) => setTasks(body.tasks)).catch(fail);
  }, [zone, fail]);

  return (
    <>
      <PageTitle title={t("title")} />
      <Row gutter={16}>
        <Col span={6}><Card data-testid="home-balance"><Statistic title={t("balance")} value={me.balance} suffix={me.currency} /></Card></Col>
        <Col span={6}><Card data-testid="home-sent"><Statistic title={t("sent")} value={totals?.total ?? "-"} /></Card></Col>
        <Col span={6}><Card data-testid="home-delivered"><Statistic title={t("delivered")} value={totals?.delivered ?? "-"} /></Card></Col>
        <Col span={6}><Card data-testid="home-failed"><Statistic title={t("failed")} value={totals?.failed ?? "-"} /></Card></Col>
      </Row>
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t("lastTasks")}</h2>} style={{ marginTop: 16 }}>
        <Table<TaskRow> rowKey="task_id" dataSource={tasks} pagination={false} size="small"
          locale={{ emptyText: t("common:table.empty") }}
          columns={[
            { title: t("name"), dataIndex: "name" },
            { title: t("status"), dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
            { title: t("createdAt"), dataIndex: "created_at", render: (v: string) => formatTime(v, zone) },
          ]} />
      </Card>
    </>
  );
}
