// 黑名单 › 根据手机号配置: an app key's blocked numbers; add many at once (bad ones are listed
// with the API's reason, the rest still added), look one up exactly, remove one.
import { Alert, Button, Form, Input, Modal, Popconfirm, Select, Space, Typography } from "antd";
import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api, getPage } from "../../api/client";
import { useMe, useZone } from "../../auth/me";
import { PageTitle } from "../../components/PageTitle";
import { ServerTable, useServerTable } from "../../components/ServerTable";
import { ZoneNote } from "../../components/ZonedPickers";
import { useNotify } from "../../components/useNotify";
import { formatTime } from "../../lib/time";
import { formErrors } from "../templates/formErrors";
import { AppBar, appLabel, useApps } from "./useApps";

interface Entry { id: string; app_id: string; number: string; created_at: string; created_by: string }
interface AddResult { added: Entry[]; already_listed: number; invalid: { value: string; reason: string }[] }

const MAX = 1000;

export default function NumbersPage() {
  const { t } = useTranslation("blacklist");
  const me = useMe();
  const zone = useZone();
  const { fail, done } = useNotify();
  const apps = useApps();
  const [filterForm] = Form.useForm<{ number?: string }>();
  const [number, setNumber] = useState<string | undefined>();
  const [adding, setAdding] = useState(false);
  const [saving, setSaving] = useState(false);
  const [result, setResult] = useState<AddResult | null>(null);
  const [form] = Form.useForm<{ app_id: string; numbers: string }>();
  const appId = apps.appId;
  useEffect(() => {
    if (adding) form.setFieldsValue({ app_id: appId });
  }, [adding, appId, form]);

  const fetcher = useCallback(async (cursor?: string) => {
    if (!appId) return { items: [], next: null };
    try {
      return await getPage<Entry>("/v1/blacklist/numbers", "numbers", { app_id: appId, number, cursor });
    } catch (error) {
      const fields = formErrors(error, t, { number: t("number") });
      if (!fields.length) throw error;
      filterForm.setFields(fields as never);
      return { items: [], next: null };
    }
  }, [appId, number, t, filterForm]);
  const table = useServerTable<Entry>(fetcher, [appId, number]);

  async function add(values: { app_id: string; numbers: string }) {
    const numbers = values.numbers.split(/[\n,;，；]+/).map((n) => n.trim()).filter(Boolean);
    if (numbers.length > MAX) {
      form.setFields([{ name: "numbers", errors: [t("tooMany", { max: MAX })] }]);
      return;
    }
    setSaving(true);
    try {
      const body = await api.post<AddResult>("/v1/blacklist/numbers", { app_id: values.app_id, numbers });
      if (values.app_id !== appId) apps.setAppId(values.app_id);
      table.reload();
      if (body.invalid.length) {
        setResult(body);
      } else {
        setAdding(false);
        done([t("added", { count: body.added.length }),
          body.already_listed ? t("alreadyListed", { count: body.already_listed }) : ""].filter(Boolean).join("，"));
      }
    } catch (error) {
      const fields = formErrors(error, t, { numbers: t("numbersInput"), app_id: t("app") });
      if (fields.length) form.setFields(fields as never);
      else fail(error);
    } finally {
      setSaving(false);
    }
  }

  async function remove(entry: Entry) {
    try {
      await api.del(`/v1/blacklist/numbers/${encodeURIComponent(entry.id)}`);
      done(t("removed"));
      table.reload();
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) table.reload();
      fail(error);
    }
  }

  return (
    <>
      <PageTitle title={t("numbers")} extra={
        <Button type="primary" disabled={!apps.apps?.length} data-testid="blacklist-add"
          onClick={() => { setResult(null); setAdding(true); }}>{t("add")}</Button>} />
      <Typography.Paragraph type="secondary">{t("intro")}</Typography.Paragraph>
      <AppBar state={apps} />
      <Form form={filterForm} layout="inline" style={{ marginBottom: 16, rowGap: 8 }}
        onFinish={(v) => setNumber(v.number?.trim() || undefined)}>
        <Form.Item name="number" label={t("number")} tooltip={t("numberFilterHelp")}>
          <Input allowClear style={{ width: 240 }} data-testid="blacklist-number-filter"
            onChange={() => filterForm.setFields([{ name: "number", errors: [] }])} />
        </Form.Item>
        <Space>
          <Button type="primary" htmlType="submit" data-testid="blacklist-search">{t("common:action.search")}</Button>
          <Button onClick={() => { filterForm.resetFields(); setNumber(undefined); }}>{t("common:action.reset")}</Button>
          <ZoneNote />
        </Space>
      </Form>
      <ServerTable<Entry> state={table} rowKey="id" data-testid="blacklist-numbers-table"
        columns={[
          { title: t("number"), dataIndex: "number" },
          { title: t("createdAt"), dataIndex: "created_at", render: (v: string) => formatTime(v, zone) },
          { title: t("createdBy"), dataIndex: "created_by", render: (v: string) => (v === me.user.id ? t("you") : v) },
          { title: t("common:table.actions"), key: "actions", render: (_: unknown, row: Entry) => (
            <Popconfirm title={t("removeConfirm", { value: row.number })} onConfirm={() => remove(row)}
              okText={t("common:action.confirm")} cancelText={t("common:action.cancel")}>
              <Button size="small" danger data-testid={`blacklist-remove-${row.number}`}>{t("remove")}</Button>
            </Popconfirm>
          ) },
        ]} />
      <Modal open={adding} title={t("addNumbersTitle")} destroyOnHidden onCancel={() => setAdding(false)}
        onOk={() => (result ? setAdding(false) : form.submit())} confirmLoading={saving}
        okText={result ? t("common:action.close") : t("common:action.confirm")} cancelText={t("common:action.cancel")}
        okButtonProps={{ "data-testid": "blacklist-add-ok" } as never}>
        {result ? (
          <Alert type="warning" showIcon data-testid="blacklist-add-result" message={
            [t("added", { count: result.added.length }),
              result.already_listed ? t("alreadyListed", { count: result.already_listed }) : ""].filter(Boolean).join("，")}
            description={<>
              <div>{t("invalidTitle", { count: result.invalid.length })}</div>
              <ul style={{ margin: 0, paddingLeft: 20 }}>
                {result.invalid.map((bad, i) => <li key={i}><Typography.Text code>{bad.value}</Typography.Text> {bad.reason}</li>)}
              </ul>
            </>} />
        ) : (
          <Form form={form} layout="vertical" onFinish={add} preserve={false}>
            <Form.Item name="app_id" label={t("app")} rules={[{ required: true, message: t("requiredSelect", { field: t("app") }) }]}>
              <Select options={(apps.apps ?? []).map((a) => ({ value: a.id, label: appLabel(a, t("disabledApp")) }))}
                aria-label={t("app")} />
            </Form.Item>
            <Form.Item name="numbers" label={t("numbersInput")} extra={t("numbersHelp", { max: MAX })}
              rules={[{ required: true, whitespace: true, message: t("required", { field: t("numbersInput") }) }]}>
              <Input.TextArea rows={6} data-testid="blacklist-numbers-input" />
            </Form.Item>
          </Form>
        )}
      </Modal>
    </>
  );
}
