// 黑名单 › 根据国家配置: an app key's blocked countries (choose the key, choose the country, OK).
import { Button, Form, Modal, Popconfirm, Select, Space, Typography } from "antd";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { ApiError, api, getPage } from "../../api/client";
import { useMe, useZone } from "../../auth/me";
import { PageTitle } from "../../components/PageTitle";
import { ServerTable, useServerTable } from "../../components/ServerTable";
import { ZoneNote } from "../../components/ZonedPickers";
import { useNotify } from "../../components/useNotify";
import { formatTime } from "../../lib/time";
import { formErrors } from "../templates/formErrors";
import { countryName, countryOptions } from "../../lib/countries";
import { AppBar, appLabel, useApps } from "./useApps";

interface Entry { id: string; app_id: string; country: string; created_at: string; created_by: string }

export default function CountriesPage() {
  const { t, i18n } = useTranslation("blacklist");
  const me = useMe();
  const zone = useZone();
  const { fail, done } = useNotify();
  const apps = useApps();
  const [adding, setAdding] = useState(false);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<{ app_id: string; country: string }>();
  const appId = apps.appId;
  useEffect(() => {
    if (adding) form.setFieldsValue({ app_id: appId });
  }, [adding, appId, form]);
  const lang = i18n.language;
  const options = useMemo(() => countryOptions(lang), [lang]);

  const fetcher = useCallback((cursor?: string) => (appId
    ? getPage<Entry>("/v1/blacklist/countries", "countries", { app_id: appId, cursor })
    : Promise.resolve({ items: [], next: null })), [appId]);
  const table = useServerTable<Entry>(fetcher, [appId]);

  async function add(values: { app_id: string; country: string }) {
    setSaving(true);
    try {
      const entry = await api.post<Entry & { created?: boolean }>("/v1/blacklist/countries", values);
      if (values.app_id !== appId) apps.setAppId(values.app_id);
      const name = `${countryName(entry.country, lang)} (${entry.country})`;
      const listed = table.items.some((e) => e.id === entry.id);
      done(listed ? t("countryListed", { country: name }) : t("countryAdded", { country: name }));
      setAdding(false);
      table.reload();
    } catch (error) {
      const fields = formErrors(error, t, { country: t("country"), app_id: t("app") });
      if (fields.length) form.setFields(fields as never);
      else fail(error);
    } finally {
      setSaving(false);
    }
  }

  async function remove(entry: Entry) {
    try {
      await api.del(`/v1/blacklist/countries/${encodeURIComponent(entry.id)}`);
      done(t("removed"));
      table.reload();
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) table.reload();
      fail(error);
    }
  }

  return (
    <>
      <PageTitle title={t("countries")} extra={
        <Button type="primary" disabled={!apps.apps?.length} data-testid="blacklist-add"
          onClick={() => setAdding(true)}>{t("add")}</Button>} />
      <Typography.Paragraph type="secondary">{t("intro")}</Typography.Paragraph>
      <AppBar state={apps} />
      <Space style={{ marginBottom: 12 }}><ZoneNote /></Space>
      <ServerTable<Entry> state={table} rowKey="id" data-testid="blacklist-countries-table"
        columns={[
          { title: t("country"), dataIndex: "country", render: (c: string) => countryName(c, lang) },
          { title: t("countryCode"), dataIndex: "country" },
          { title: t("createdAt"), dataIndex: "created_at", render: (v: string) => formatTime(v, zone) },
          { title: t("createdBy"), dataIndex: "created_by", render: (v: string) => (v === me.user.id ? t("you") : v) },
          { title: t("common:table.actions"), key: "actions", render: (_: unknown, row: Entry) => (
            <Popconfirm title={t("removeConfirm", { value: countryName(row.country, lang) })} onConfirm={() => remove(row)}
              okText={t("common:action.confirm")} cancelText={t("common:action.cancel")}>
              <Button size="small" danger data-testid={`blacklist-remove-${row.country}`}>{t("remove")}</Button>
            </Popconfirm>
          ) },
        ]} />
      <Modal open={adding} title={t("addCountryTitle")} destroyOnHidden onCancel={() => setAdding(false)}
        onOk={() => form.submit()} confirmLoading={saving}
        okText={t("common:action.confirm")} cancelText={t("common:action.cancel")}
        okButtonProps={{ "data-testid": "blacklist-add-ok" } as never}>
        <Form form={form} layout="vertical" onFinish={add} preserve={false}>
          <Form.Item name="app_id" label={t("app")} rules={[{ required: true, message: t("requiredSelect", { field: t("app") }) }]}>
            <Select options={(apps.apps ?? []).map((a) => ({ value: a.id, label: appLabel(a, t("disabledApp")) }))}
              aria-label={t("app")} />
          </Form.Item>
          <Form.Item name="country" label={t("country")}
            rules={[{ required: true, message: t("requiredSelect", { field: t("country") }) }]}>
            <Select showSearch optionFilterProp="label" options={options} placeholder={t("countryPlaceholder")}
              aria-label={t("country")} data-testid="blacklist-country-input" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
