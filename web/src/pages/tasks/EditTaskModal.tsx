// Editing a scheduled or paused task (PATCH /v1/tasks/{id}): its name, content and send time.
// The API validates and prices the whole task again; only the fields changed are sent.
import { Form, Input, Modal } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { ZonedDateTimePicker } from "../../components/ZonedPickers";
import { useNotify } from "../../components/useNotify";
import { fieldErrors } from "../../lib/errors";
import type { Task } from "./types";

interface Values { name: string; content: string; send_at?: string | null }

export function EditTaskModal({ task, onClose, onSaved }: { task: Task | null; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation("tasks");
  const { fail } = useNotify();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);

  async function save(values: Values) {
    if (!task) return;
    const changes: Record<string, unknown> = {};
    if (values.name.trim() !== task.name) changes.name = values.name.trim();
    if (values.content.trim() !== task.content) changes.content = values.content.trim();
    const before = task.scheduled ? task.send_at : null;
    if ((values.send_at ?? null) !== before && !(values.send_at && before && Date.parse(values.send_at) === Date.parse(before))) {
      changes.send_at = values.send_at ?? null;
    }
    if (!Object.keys(changes).length) {
      onClose();
      return;
    }
    setSaving(true);
    try {
      await api.patch<Task>(`/v1/tasks/${task.task_id}`, changes);
      onSaved();
    } catch (error) {
      const errors = fieldErrors(error, t, ["name", "content", "send_at"]);
      if (errors.length) form.setFields(errors as Parameters<typeof form.setFields>[0]);
      fail(error);
    } finally {
      setSaving(false);
    }
  }

  return (
    <Modal open={!!task} title={task ? t("edit.title", { id: task.task_id }) : ""} onCancel={onClose} destroyOnHidden
      okText={t("common:action.save")} cancelText={t("common:action.cancel")} confirmLoading={saving}
      onOk={() => form.submit()} okButtonProps={{ "data-testid": "edit-save" } as Record<string, string>} width={640}>
      <Form form={form} layout="vertical" onFinish={save} data-testid="edit-form" preserve={false}
        initialValues={task ? { name: task.name, content: task.content, send_at: task.scheduled ? task.send_at : null } : undefined}>
        <Form.Item name="name" label={t("edit.name")} rules={[{ required: true, whitespace: true, max: 100 }]}>
          <Input maxLength={100} />
        </Form.Item>
        <Form.Item name="content" label={t("edit.content")} rules={[{ required: true, whitespace: true }]}>
          <Input.TextArea rows={4} showCount data-testid="edit-content" />
        </Form.Item>
        <Form.Item name="send_at" label={t("edit.sendAt")} extra={t("edit.sendNow")}>
          <ZonedDateTimePicker futureOnly />
        </Form.Item>
      </Form>
    </Modal>
  );
}
