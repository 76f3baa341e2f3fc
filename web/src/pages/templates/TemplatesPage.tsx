// 模板管理: the account's templates of one kind. International ones are usable at once;
// domestic ones carry their review status and, when rejected, the reason; changing a domestic
// template's content sends it back to review (the API does so, and the form says it).
import { Alert, Button, Form, Input, Modal, Popconfirm, Space, Typography } from "antd";
import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, getPage } from "../../api/client";
import { useZone } from "../../auth/me";
import { PageTitle } from "../../components/PageTitle";
import { ServerTable, useServerTable } from "../../components/ServerTable";
import { StatusTag } from "../../components/StatusTag";
import { useNotify } from "../../components/useNotify";
import { formatTime } from "../../lib/time";
import { formErrors } from "./formErrors";
import "./i18n";

export type Kind = "international" | "domestic";

export interface Template {
  id: string;
  name: string;
  content: string;
  kind: Kind;
  status: string;
  reason: string | null;
  created_at: string;
  updated_at: string;
}

interface Values { name: string; content: string }

const MAX_NAME = 64;
const MAX_CONTENT = 1000;

export function TemplatesPage({ kind }: { kind: Kind }) {
  const { t } = useTranslation("templates");
  const zone = useZone();
  const { fail, done } = useNotify();
  const [form] = Form.useForm<Values>();
  const [editing, setEditing] = useState<Template | "new" | null>(null);
  const [saving, setSaving] = useState(false);
  const domestic = kind === "domestic";
  const fetcher = useCallback((cursor?: string) => getPage<Template>("/v1/templates", "templates", { kind, cursor }), [kind]);
  const table = useServerTable<Template>(fetcher, [kind]);
  const labels = { name: t("name"), content: t("content") };

  function open(target: Template | "new") {
    setEditing(target);
  }

  // The dialog's form is mounted with it: fill it once it is there (one form instance serves
  // every opening, so initialValues would keep the first one's).
  useEffect(() => {
    if (!editing) return;
    form.resetFields();
    if (editing !== "new") form.setFieldsValue({ name: editing.name, content: editing.content });
  }, [editing, form]);

  async function save(values: Values) {
    setSaving(true);
    try {
      if (editing === "new") {
        await api.post("/v1/templates", { kind, name: values.name, content: values.content });
        done(domestic ? t("submitted") : t("created"));
      } else if (editing) {
        await api.put(`/v1/templates/${editing.id}`, { name: values.name, content: values.content });
        done(t("saved"));
      }
      setEditing(null);
      table.reload();
    } catch (error) {
      const fields = formErrors(error, t, labels);
      if (fields.length) form.setFields(fields as never);
      else fail(error);
    } finally {
      setSaving(false);
    }
  }

  async function remove(item: Template) {
    try {
      await api.del(`/v1/templates/${item.id}`);
      done(t("deleted"));
      table.reload();
    } catch (error) {
      fail(error);
    }
  }

  const contentValue = Form.useWatch("content", form) ?? "";
  const contentChanged = domestic && editing && editing !== "new" && contentValue !== editing.content;

  return (
    <>
      <PageTitle title={t(kind)} extra={
        <Button type="primary" onClick={() => open("new")} data-testid="template-create">{t("create")}</Button>} />
      <Typography.Paragraph type="secondary">{t(domestic ? "domesticIntro" : "internationalIntro")}</Typography.Paragraph>
      <ServerTable<Template> state={table} rowKey="id" data-testid="templates-table"
        onRow={(row) => ({ "data-testid": `template-row-${row.id}`, "data-name": row.name } as never)}
        columns={[
          { title: t("name"), dataIndex: "name" },
          { title: t("content"), dataIndex: "content", width: 420,
            render: (v: string) => <span style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }}>{v}</span> },
          { title: t(domestic ? "reviewStatus" : "state"), dataIndex: "status",
            render: (s: string) => <StatusTag status={s} ns="templates" /> },
          ...(domestic ? [{ title: t("reason"), dataIndex: "reason", render: (v: string | null) => v ?? "-" }] : []),
          { title: t("createdAt"), dataIndex: "created_at", render: (v: string) => formatTime(v, zone) },
          { title: t("updatedAt"), dataIndex: "updated_at", render: (v: string) => formatTime(v, zone) },
          { title: t("common:table.actions"), key: "actions", render: (_: unknown, row: Template) => (
            <Space>
              <Button size="small" onClick={() => open(row)} data-testid="template-edit">{t("common:action.edit")}</Button>
              <Popconfirm title={t("deleteConfirm", { name: row.name })} onConfirm={() => remove(row)}
                okText={t("common:action.confirm")} cancelText={t("common:action.cancel")}>
                <Button size="small" danger data-testid="template-delete">{t("common:action.delete")}</Button>
              </Popconfirm>
            </Space>
          ) },
        ]} />
      <Modal open={editing !== null} title={t(editing === "new" ? "createTitle" : "editTitle")} destroyOnHidden
        onCancel={() => setEditing(null)} onOk={() => form.submit()} confirmLoading={saving}
        okText={t("common:action.save")} cancelText={t("common:action.cancel")}
        okButtonProps={{ "data-testid": "template-save" } as never}>
        <Form form={form} layout="vertical" onFinish={save} preserve={false}>
          <Form.Item name="name" label={t("name")} extra={t("nameHelp", { max: MAX_NAME })}
            rules={[{ required: true, whitespace: true, message: t("required", { field: t("name") }) }]}>
            <Input maxLength={MAX_NAME} data-testid="template-name" />
          </Form.Item>
          <Form.Item name="content" label={t("content")}
            extra={t(domestic ? "domesticContentHelp" : "contentHelp", { max: MAX_CONTENT })}
            rules={[{ required: true, whitespace: true, message: t("required", { field: t("content") }) }]}>
            <Input.TextArea rows={5} showCount maxLength={MAX_CONTENT} data-testid="template-content" />
          </Form.Item>
          {contentChanged && <Alert type="warning" showIcon message={t("reReview")} data-testid="template-rereview" />}
        </Form>
      </Modal>
    </>
  );
}
