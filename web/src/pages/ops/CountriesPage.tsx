// 国家规则: per country, whether a From must be applied for in advance and whether an
// alphanumeric Sender ID is allowed (mainland China and the US take numeric senders only).
import { Button, Card, Checkbox, Form, Space, Switch } from "antd";
import { useTranslation } from "react-i18next";
import { ApiError, api } from "../../api/client";
import { PageTitle } from "../../components/PageTitle";
import { ServerTable, useServerTable } from "../../components/ServerTable";
import { useNotify } from "../../components/useNotify";
import { currentLang } from "../../i18n";
import { errorText } from "../../lib/errors";
import { countryLabel, countryOptions } from "../../lib/countries";
import { FieldSelect } from "../../components/FieldSelect";
import "./i18n";
import type { CountryRule } from "./types";
import { onePage } from "./types";

export default function CountriesPage() {
  const { t } = useTranslation("ops");
  const lang = currentLang();
  const { fail, done } = useNotify();
  const [form] = Form.useForm<CountryRule>();
  const table = useServerTable<CountryRule>(async () => onePage(
    (await api.get<{ countries: CountryRule[] }>("/v1/ops/countries")).countries), []);

  async function put(rule: CountryRule, onForm = false) {
    try {
      await api.put(`/v1/ops/countries/${rule.country}`, {
        sender_preapproval_required: rule.sender_preapproval_required, sender_id_allowed: rule.sender_id_allowed,
      });
      done(t("countries.saved"));
      if (onForm) form.resetFields();
      void table.reload();
    } catch (error) {
      if (onForm && error instanceof ApiError && error.field && ["country", "sender_id_allowed",
        "sender_preapproval_required"].includes(error.field)) {
        form.setFields([{ name: error.field as keyof CountryRule, errors: [errorText(error, t)] }]);
      } else {
        fail(error);
      }
    }
  }

  return (
    <>
      <PageTitle title={t("countries.title")} />
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t("countries.add")}</h2>}>
        <Form form={form} layout="inline" data-testid="country-form"
          initialValues={{ sender_preapproval_required: false, sender_id_allowed: true }}
          onFinish={(v) => put({ country: v.country, sender_preapproval_required: !!v.sender_preapproval_required,
            sender_id_allowed: !!v.sender_id_allowed }, true)}>
          <Form.Item name="country" label={t("countries.country")}
            rules={[{ required: true, message: t("required", { field: t("countries.country") }) }]}>
            <FieldSelect showSearch optionFilterProp="label" options={countryOptions(lang)} style={{ width: 240 }}
              />
          </Form.Item>
          <Form.Item name="sender_preapproval_required" valuePropName="checked">
            <Checkbox>{t("countries.preapproval")}</Checkbox>
          </Form.Item>
          <Form.Item name="sender_id_allowed" valuePropName="checked">
            <Checkbox>{t("countries.senderId")}</Checkbox>
          </Form.Item>
          <Button type="primary" htmlType="submit" data-testid="country-submit">{t("common:action.save")}</Button>
        </Form>
      </Card>
      <Card style={{ marginTop: 16 }}>
        <ServerTable<CountryRule> state={table} rowKey="country" data-testid="countries-table" columns={[
          { title: t("countries.country"), dataIndex: "country", render: (c: string) => countryLabel(c, lang) },
          { title: t("countries.preapproval"), dataIndex: "sender_preapproval_required",
            render: (value: boolean, row) => (
              <Space><Switch checked={value}
                aria-label={`${t("countries.preapproval")} ${row.country}`} data-testid={`preapproval-${row.country}`}
                onChange={(checked) => put({ ...row, sender_preapproval_required: checked })} />
                <span>{value ? t("countries.yes") : t("countries.no")}</span></Space>) },
          { title: t("countries.senderId"), dataIndex: "sender_id_allowed",
            render: (value: boolean, row) => (
              <Space><Switch checked={value}
                aria-label={`${t("countries.senderId")} ${row.country}`} data-testid={`sender-id-${row.country}`}
                onChange={(checked) => put({ ...row, sender_id_allowed: checked })} />
                <span>{value ? t("countries.yes") : t("countries.no")}</span></Space>) },
        ]} />
      </Card>
    </>
  );
}
