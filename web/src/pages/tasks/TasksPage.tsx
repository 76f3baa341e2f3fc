// 任务统计: the account's tasks, filtered as the seeds say (任务状态, 任务ID, 任务名称, 国家名称,
// 指定用户), with live counters and progress (polled), pause / edit / resume / cancel where the
// task's state allows it (disabled, with the reason, where not), and the download center's
// exports: 费用统计 and 失败详情 per task, and the overview (POST /v1/exports).
import { Alert, App, Button, Form, Input, Progress, Select, Space, Tooltip, Typography } from "antd";
import type { ColumnsType } from "antd/es/table";
import { useCallback, useEffect, useMemo, useRef, useState, type HTMLAttributes } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { api, getPage } from "../../api/client";
import { useMe, useZone } from "../../auth/me";
import { PageTitle } from "../../components/PageTitle";
import { ServerTable, useServerTable } from "../../components/ServerTable";
import { StatusTag } from "../../components/StatusTag";
import { useNotify } from "../../components/useNotify";
import { currentLang } from "../../i18n";
import { formatTime } from "../../lib/time";
import { countryName } from "../../lib/countries";
import { EditTaskModal } from "./EditTaskModal";
import type { Price, Task } from "./types";
import "./i18n";

const STATUSES = ["scheduled", "sending", "paused", "completed", "cancelled", "failed"] as const;
const FINAL = new Set(["completed", "cancelled", "failed"]);
const POLL_MS = 2000;

interface Filters { status?: string; task_id?: string; name?: string; country?: string; user?: string }

type Action = "pause" | "resume" | "edit" | "cancel";
const ALLOWED: Record<Action, string[]> = {
  pause: ["scheduled"], resume: ["paused"], edit: ["scheduled", "paused"], cancel: ["scheduled", "paused"],
};

export default function TasksPage() {
  const { t } = useTranslation("tasks");
  const me = useMe();
  const zone = useZone();
  const navigate = useNavigate();
  const { modal, message } = App.useApp();
  const { fail, done } = useNotify();
  const [form] = Form.useForm<Filters>();
  const [filters, setFilters] = useState<Filters>({});
  const [countries, setCountries] = useState<string[]>([]);
  const [editing, setEditing] = useState<Task | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  // Final tasks' counters no longer move: they are fetched once, not on every poll.
  const finished = useRef(new Map<string, Task>());
  const lang = currentLang();

  useEffect(() => {
    api.get<{ prices: Price[] }>("/v1/prices").then((b) => setCountries(b.prices.map((p) => p.country))).catch(fail);
  }, [fail]);

  const fetcher = useCallback(async (cursor: string | undefined) => {
    const page = await getPage<Task>("/v1/tasks", "tasks", { ...filters, limit: 20, cursor });
    const items = await Promise.all(page.items.map(async (task) => {
      const known = finished.current.get(task.task_id);
      if (known && known.version === task.version) return known;
      const detail = await api.get<Task>(`/v1/tasks/${task.task_id}`);
      if (FINAL.has(detail.status) && detail.counters?.pending === 0) finished.current.set(task.task_id, detail);
      return detail;
    }));
    return { items, next: page.next };
  }, [filters]);
  const table = useServerTable<Task>(fetcher, [filters], POLL_MS);

  async function act(task: Task, action: Exclude<Action, "edit">) {
    setBusy(`${task.task_id}:${action}`);
    try {
      await api.post<Task>(`/v1/tasks/${task.task_id}/${action}`);
      done(t(`actions.${action === "pause" ? "paused" : action === "resume" ? "resumed" : "cancelled"}`));
      await table.reload();
    } catch (error) {
      fail(error);
    } finally {
      setBusy(null);
    }
  }

  async function exportFile(type: "tasks" | "task_cost" | "task_failures", exportFilters: Record<string, string>) {
    try {
      await api.post("/v1/exports", { type, format: "xlsx", lang, filters: exportFilters });
        // (the message renders outside the router: a plain hash link, not <Link>)
      void message.success({
        content: (
          <span data-testid="export-queued">
            {t("actions.exportQueued")} <a href="#/downloads">{t("actions.downloadCenter")}</a>{t("actions.exportQueuedTail")}
          </span>
        ),
        duration: 8,
      });
    } catch (error) {
      fail(error);
    }
  }

  /** Why an action is refused in the task's state (domain/task_states.refusal, in words). */
  function why(task: Task, action: Action): string | null {
    if (ALLOWED[action].includes(task.status)) return null;
    if (task.status === "sending") return t("why.sending");
    if (FINAL.has(task.status)) return t(`why.${task.status}`);
    return action === "resume" ? t("why.resumeOnly") : t("why.pauseOnly");
  }

  function actionButton(task: Task, action: Action, onClick: () => void) {
    const reason = why(task, action);
    const button = (
      <Button size="small" type="link" disabled={!!reason} loading={busy === `${task.task_id}:${action}`}
        onClick={onClick} data-testid={`task-${action}`} danger={action === "cancel"}>
        {t(`actions.${action}`)}
      </Button>
    );
    return reason
      ? <Tooltip key={action} title={reason}><span data-testid={`task-${action}-why`} data-why={reason}>{button}</span></Tooltip>
      : <span key={action}>{button}</span>;
  }

  const columns: ColumnsType<Task> = useMemo(() => [
    { title: t("table.taskId"), dataIndex: "task_id", render: (id: string) => <Typography.Text copyable>{id}</Typography.Text> },
    { title: t("table.user"), dataIndex: "created_by",
      render: (id: string) => (id === me.user.id ? `${me.user.name || me.user.email} (${t("table.me")})` : id) },
    { title: t("table.name"), dataIndex: "name" },
    { title: t("table.createdAt"), dataIndex: "created_at", render: (v: string) => formatTime(v, zone) },
    { title: t("table.sentAt"), key: "sent", render: (_, task) => formatTime(task.sent_at ?? task.send_at, zone) },
    { title: t("table.status"), dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
    { title: t("table.recipients"), key: "total", render: (_, task) => task.counters?.total ?? task.estimate.numbers },
    { title: t("table.submitted"), key: "submitted", render: (_, task) => <span data-testid="task-submitted">{task.counters?.submitted ?? 0}</span> },
    { title: t("table.delivered"), key: "delivered", render: (_, task) => <span data-testid="task-delivered">{task.counters?.delivered ?? 0}</span> },
    { title: t("table.failed"), key: "failed", render: (_, task) => task.counters?.failed ?? 0 },
    { title: t("table.cost"), key: "cost", render: (_, task) => <span data-testid="task-cost">{task.counters?.cost ?? "0.00"}</span> },
    { title: t("table.progress"), key: "progress", render: (_, task) => {
      const total = task.counters?.total ?? task.estimate.numbers;
      const ended = total - (task.counters?.pending ?? total);
      const percent = total ? Math.floor((ended / total) * 100) : 0;
      return <Progress percent={percent} size="small" style={{ width: 120 }} aria-label={`${t("table.progress")} ${percent}%`}
        status={task.status === "failed" ? "exception" : task.status === "sending" ? "active" : undefined} />;
    } },
    { title: t("table.actions"), key: "actions", fixed: "right", render: (_, task) => (
      <Space size={0} wrap data-testid="task-actions" data-task={task.task_id}>
        {actionButton(task, "pause", () => void act(task, "pause"))}
        {actionButton(task, "edit", () => setEditing(task))}
        {actionButton(task, "resume", () => void act(task, "resume"))}
        {actionButton(task, "cancel", () => modal.confirm({
          title: t("actions.confirmCancel"), okText: t("common:action.confirm"), cancelText: t("common:action.cancel"),
          onOk: () => act(task, "cancel"),
        }))}
        <Button size="small" type="link" data-testid="task-cost-download"
          onClick={() => void exportFile("task_cost", { task_id: task.task_id })}>{t("actions.costDownload")}</Button>
        <Button size="small" type="link" data-testid="task-failures-download"
          onClick={() => void exportFile("task_failures", { task_id: task.task_id })}>{t("actions.failuresDownload")}</Button>
      </Space>
    ) },
  // eslint-disable-next-line react-hooks/exhaustive-deps
  ], [t, zone, me, busy, lang]);

  const search = (values: Filters) => setFilters(Object.fromEntries(
    Object.entries(values).filter(([, v]) => v !== undefined && v !== null && String(v).trim() !== "")
      .map(([k, v]) => [k, String(v).trim()])) as Filters);

  return (
    <>
      <PageTitle title={t("stats")} extra={<>
        <Button onClick={() => void exportFile("tasks", filters as Record<string, string>)} data-testid="export-tasks">
          {t("actions.exportAll")}
        </Button>
        <Button type="primary" onClick={() => navigate("/tasks/send/international")}>{t("actions.newTask")}</Button>
      </>} />
      <Form form={form} layout="inline" onFinish={search} style={{ marginBottom: 16, rowGap: 8 }} data-testid="task-filters">
        <Form.Item name="status" label={t("filters.status")}>
          <Select allowClear style={{ width: 140 }} placeholder={t("filters.all")} data-testid="filter-status"
            options={STATUSES.map((s) => ({ value: s, label: t(`common:status.${s}`) }))} />
        </Form.Item>
        <Form.Item name="task_id" label={t("filters.taskId")}><Input allowClear style={{ width: 220 }} /></Form.Item>
        <Form.Item name="name" label={t("filters.name")}><Input allowClear style={{ width: 160 }} data-testid="filter-name" /></Form.Item>
        <Form.Item name="country" label={t("filters.country")}>
          <Select allowClear showSearch optionFilterProp="label" style={{ width: 180 }} placeholder={t("filters.all")}
            options={countries.map((c) => ({ value: c, label: `${countryName(c, lang)} (${c})` }))} />
        </Form.Item>
        <Form.Item name="user" label={t("filters.user")}>
          <Select allowClear showSearch style={{ width: 200 }} placeholder={t("filters.userPlaceholder")}
            options={[{ value: me.user.id, label: `${me.user.name || me.user.email} (${t("table.me")})` }]} />
        </Form.Item>
        <Space>
          <Button type="primary" htmlType="submit" data-testid="filter-search">{t("common:action.search")}</Button>
          <Button onClick={() => { form.resetFields(); setFilters({}); }}>{t("common:action.reset")}</Button>
        </Space>
      </Form>
      {table.items.some((task) => task.warning) && (
        <Alert type="warning" showIcon style={{ marginBottom: 12 }}
          message={table.items.filter((task) => task.warning).map((task) => `${task.name}: ${task.warning}`).join("；")} />
      )}
      <ServerTable<Task> state={table} rowKey="task_id" columns={columns} data-testid="task-table"
        onRow={(task) => ({ "data-task": task.task_id, "data-status": task.status } as HTMLAttributes<HTMLElement>)} />
      <EditTaskModal task={editing} onClose={() => setEditing(null)}
        onSaved={() => { setEditing(null); done(t("actions.edited")); void table.reload(); }} />
    </>
  );
}
