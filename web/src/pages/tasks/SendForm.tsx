// 国际|港澳台发信 and 国内发信: one form, as the seeds describe each. The pickers offer only what
// the account has: its applications, the From values an operator bound to it (domestic: those
// for CN), its signatures (domestic) and its templates (domestic: approved ones). Choosing a
// template fills the content; the segment count and the estimated cost follow the typing
// (lib/segments.ts, lib/money.ts, prices from GET /v1/prices); POST /v1/tasks creates it.
import { Alert, Button, Card, Checkbox, Col, Descriptions, Form, Input, Radio, Row, Space, Typography } from "antd";
import { useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { api } from "../../api/client";
import { useMe } from "../../auth/me";
import { PageTitle } from "../../components/PageTitle";
import { ZonedDateTimePicker } from "../../components/ZonedPickers";
import { useNotify } from "../../components/useNotify";
import { errorText, fieldErrors } from "../../lib/errors";
import { segment, segmentDomestic, type Segmentation } from "../../lib/segments";
import { FieldSelect } from "../../components/FieldSelect";
import { NumberUpload } from "./NumberUpload";
import { amount, priceMicros } from "./money";
import type { AppItem, Kind, Price, Sender, Signature, Task, Template, UploadView } from "./types";
import "./i18n";

interface Values {
  name: string;
  app_id: string;
  from?: string;
  signature_id?: string;
  template_id?: string;
  content: string;
  blacklist_check: boolean;
  upload_id?: UploadView;
  when: "now" | "scheduled";
  send_at?: string | null;
}

const FIELDS = ["name", "app_id", "from", "signature_id", "template_id", "content", "blacklist_check", "upload_id", "send_at"];

/** Segments of `text` to one country: mainland China by the domestic rule (the signature is
 * part of the text), elsewhere GSM-7 / UCS-2. */
function segmentsTo(country: string, text: string, signature: string): Segmentation {
  return country === "CN" ? segmentDomestic(signature, text) : segment(signature + text);
}

export function SendForm({ kind }: { kind: Kind }) {
  const { t } = useTranslation("tasks");
  const me = useMe();
  const navigate = useNavigate();
  const { fail, done } = useNotify();
  const [form] = Form.useForm<Values>();
  const [apps, setApps] = useState<AppItem[]>([]);
  const [senders, setSenders] = useState<Sender[]>([]);
  const [signatures, setSignatures] = useState<Signature[]>([]);
  const [templates, setTemplates] = useState<Template[]>([]);
  const [prices, setPrices] = useState<Record<string, string>>({});
  const [submitting, setSubmitting] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const domestic = kind === "domestic";

  useEffect(() => {
    api.get<{ apps: AppItem[] }>("/v1/apps", { limit: 200 }).then((b) => {
      const active = b.apps.filter((a) => a.status === "active");
      setApps(active);
      if (active.length === 1 && !form.getFieldValue("app_id")) form.setFieldValue("app_id", active[0].id);
    }).catch(fail);
    api.get<{ senders: Sender[] }>("/v1/senders").then((b) => setSenders(b.senders)).catch(fail);
    api.get<{ templates: Template[] }>("/v1/templates", { kind, limit: 200 }).then((b) => setTemplates(b.templates)).catch(fail);
    api.get<{ prices: Price[] }>("/v1/prices").then((b) => setPrices(Object.fromEntries(b.prices.map((p) => [p.country, p.price]))))
      .catch(fail);
    if (domestic) api.get<{ signatures: Signature[] }>("/v1/signatures").then((b) => setSignatures(b.signatures)).catch(fail);
  }, [kind, domestic, fail, form]);

  const fromOptions = useMemo(() => senders
    .filter((s) => !domestic || s.countries.includes("CN"))
    .map((s) => ({ value: s.value, label: `${s.value} (${s.countries.join(", ")})` })), [senders, domestic]);
  const templateOptions = useMemo(() => templates
    .filter((tpl) => (domestic ? tpl.status === "approved" : tpl.status !== "rejected"))
    .map((tpl) => ({ value: tpl.id, label: tpl.name })), [templates, domestic]);

  const content = Form.useWatch("content", form) ?? "";
  const signatureId = Form.useWatch("signature_id", form);
  const upload = Form.useWatch("upload_id", form);
  const when = Form.useWatch("when", form) ?? "now";
  const signature = signatures.find((s) => s.id === signatureId)?.text ?? "";

  const estimate = useMemo(() => {
    const perNumber = segmentsTo(domestic ? "CN" : "", content, signature);
    const countries = upload?.status === "ready" ? Object.entries(upload.countries) : [];
    let micros = 0n;
    let segments = 0;
    const unpriced: string[] = [];
    for (const [country, count] of countries) {
      const seg = segmentsTo(country, content, domestic ? signature : "").segments;
      segments += seg * count;
      if (prices[country] === undefined) unpriced.push(country);
      else micros += priceMicros(prices[country], seg, count);
    }
    const single = domestic ? "CN" : countries.length === 1 ? countries[0][0] : null;
    return { perNumber, numbers: upload?.status === "ready" ? upload.valid : 0, segments, cost: amount(micros),
      ready: countries.length > 0, unpriced, unit: single ? prices[single] : undefined };
  }, [content, signature, upload, prices, domestic]);

  function chooseTemplate(id: string | undefined) {
    const template = templates.find((tpl) => tpl.id === id);
    if (template) form.setFieldValue("content", template.content);
  }

  async function submit(values: Values) {
    setFormError(null);
    if (!values.upload_id || values.upload_id.status !== "ready") {
      form.setFields([{ name: "upload_id", errors: [t("form.uploadFirst")] }]);
      return;
    }
    const body: Record<string, unknown> = {
      kind, name: values.name, app_id: values.app_id, content: values.content, blacklist_check: values.blacklist_check,
      upload_id: values.upload_id.upload_id,
    };
    if (values.from) body.from = values.from;
    if (values.template_id) body.template_id = values.template_id;
    if (domestic) body.signature_id = values.signature_id;
    if (values.when === "scheduled") body.send_at = values.send_at;
    setSubmitting(true);
    try {
      const task = await api.post<Task>("/v1/tasks", body);
      done(t("form.created"));
      if (task.warning) void window.setTimeout(() => done(t("form.warning", { warning: task.warning })), 0);
      navigate("/tasks", { state: { created: task.task_id } });
    } catch (error) {
      const errors = fieldErrors(error, t, FIELDS);
      if (errors.length) form.setFields(errors as Parameters<typeof form.setFields>[0]);
      else setFormError(errorText(error, t));
      fail(error);
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <>
      <PageTitle title={domestic ? t("domestic") : t("international")}
        extra={<Typography.Text>{t("form.balance", { balance: me.balance, currency: me.currency })}</Typography.Text>} />
      <Row gutter={16}>
        <Col xs={24} xl={16}>
          <Card>
            <Form form={form} layout="vertical" onFinish={submit} data-testid="send-form"
              initialValues={{ blacklist_check: true, when: "now", content: "" }}>
              <Form.Item name="name" label={t("form.name")} rules={[{ required: true, whitespace: true, max: 100,
                message: t("form.required", { field: t("form.name") }) }]}>
                <Input placeholder={t("form.namePlaceholder")} maxLength={100} />
              </Form.Item>
              <Form.Item name="app_id" label={t("form.app")} extra={t("form.appHelp")}
                rules={[{ required: true, message: t("form.required", { field: t("form.app") }) }]}>
                <FieldSelect options={apps.map((a) => ({ value: a.id, label: `${a.name} (${a.id})` }))} data-testid="app-select" />
              </Form.Item>
              <Form.Item name="from" label={t("form.from")} extra={domestic ? t("form.fromHelpDomestic") : t("form.fromHelpIntl")}
                rules={domestic ? [{ required: true, message: t("form.required", { field: "From" }) }] : []}>
                <FieldSelect options={fromOptions} allowClear={!domestic} placeholder={domestic ? undefined : t("form.fromAuto")}
                  notFoundContent={domestic ? t("form.noSenders") : undefined} data-testid="from-select" />
              </Form.Item>
              {domestic && (
                <Form.Item name="signature_id" label={t("form.signature")} extra={t("form.signatureHelp")}
                  rules={[{ required: true, message: t("form.required", { field: t("form.signature") }) }]}>
                  <FieldSelect options={signatures.map((s) => ({ value: s.id, label: s.text }))}
                    notFoundContent={t("form.noSignatures")} data-testid="signature-select" />
                </Form.Item>
              )}
              <Form.Item name="template_id" label={domestic ? t("form.template") : t("form.templateOptional")}
                extra={domestic ? t("form.templateHelpDomestic") : t("form.templateHelpIntl")}
                rules={domestic ? [{ required: true, message: t("form.required", { field: t("form.template") }) }] : []}>
                <FieldSelect options={templateOptions} allowClear={!domestic} onChange={chooseTemplate}
                  notFoundContent={domestic ? t("form.noTemplates") : undefined} data-testid="template-select" />
              </Form.Item>
              <Form.Item name="content" label={t("form.content")} extra={domestic ? t("form.contentHelpDomestic") : undefined}
                rules={[{ required: true, whitespace: true, message: t("form.required", { field: t("form.content") }) }]}>
                <Input.TextArea rows={5} showCount data-testid="content" />
              </Form.Item>
              <Form.Item name="blacklist_check" valuePropName="checked" extra={t("form.blacklistHelp")}>
                <Checkbox data-testid="blacklist-check">{t("form.blacklist")}</Checkbox>
              </Form.Item>
              <Form.Item name="upload_id" label={t("form.numbers")}>
                <NumberUpload kind={kind} />
              </Form.Item>
              <Form.Item name="when" label={t("form.sendTime")} extra={t("form.sendTimeHelp")}>
                <Radio.Group data-testid="send-when"
                  options={[{ value: "now", label: t("form.now") }, { value: "scheduled", label: t("form.scheduled") }]} />
              </Form.Item>
              {when === "scheduled" && (
                <Form.Item name="send_at" label={t("form.sendAt")}
                  rules={[{ required: true, message: t("form.timeRequired") }]}>
                  <ZonedDateTimePicker futureOnly />
                </Form.Item>
              )}
              {formError && <Alert type="error" showIcon message={formError} style={{ marginBottom: 16 }} data-testid="form-error" />}
              <Button type="primary" htmlType="submit" loading={submitting} data-testid="submit-task">{t("form.submit")}</Button>
            </Form>
          </Card>
        </Col>
        <Col xs={24} xl={8}>
          <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t("form.estimate")}</h2>} data-testid="estimate">
            <Descriptions column={1} size="small">
              <Descriptions.Item label={t("form.segments")}>
                <Space direction="vertical" size={0}>
                  <span data-testid="est-segments">{estimate.perNumber.segments}</span>
                  <Typography.Text type="secondary" data-testid="est-chars">
                    {t("form.chars", { count: estimate.perNumber.units, encoding: estimate.perNumber.encoding })}
                  </Typography.Text>
                </Space>
              </Descriptions.Item>
              <Descriptions.Item label={t("form.unitPrice")}>
                <span data-testid="est-unit">{estimate.unit ?? (domestic ? t("form.noPrice") : "-")}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t("form.recipients")}>
                <span data-testid="est-numbers">{estimate.ready ? estimate.numbers : "-"}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t("form.totalSegments")}>
                <span data-testid="est-total-segments">{estimate.ready ? estimate.segments : "-"}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t("form.cost")}>
                <span data-testid="est-cost">
                  {estimate.ready ? `${estimate.cost} ${me.currency}` : t("form.costHint")}
                </span>
              </Descriptions.Item>
            </Descriptions>
            {estimate.unpriced.length > 0 && (
              <Alert type="warning" showIcon message={`${t("form.noPrice")}: ${estimate.unpriced.join(", ")}`} />
            )}
          </Card>
        </Col>
      </Row>
    </>
  );
}
