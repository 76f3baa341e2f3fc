// 号码上传: the standard template's download, a file (Upload.Dragger: small lists in the request,
// large ones straight to S3 through the presigned POST with a progress bar) or typed numbers;
// then the parse's counts, 检测到异常数据X条 with the 异常数据.xlsx download, and the countries
// the account has no price for. A form control: its value is the parsed upload.
import { InboxOutlined } from "@ant-design/icons";
import { Alert, Button, Input, Progress, Radio, Space, Typography, Upload } from "antd";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { useNotify } from "../../components/useNotify";
import { currentLang } from "../../i18n";
import { countryName } from "../../lib/countries";
import { downloadNumberTemplate, numbersCsv, presignAbove, uploadDirect, uploadPresigned } from "./files";
import type { Kind, UploadView } from "./types";

interface Props {
  kind: Kind;
  value?: UploadView;
  onChange?: (value: UploadView | undefined) => void;
  id?: string;
}

const settled = (u: UploadView) => u.status === "ready" || u.status === "failed";

export function NumberUpload({ kind, value, onChange, id }: Props) {
  const { t } = useTranslation("tasks");
  const { fail } = useNotify();
  const [mode, setMode] = useState<"file" | "text">("file");
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [percent, setPercent] = useState<number | null>(null);
  const alive = useRef(true);
  useEffect(() => () => { alive.current = false; }, []);

  async function waitParsed(upload: UploadView): Promise<UploadView> {
    let current = upload;
    while (alive.current && !settled(current)) {
      onChange?.(current);
      await new Promise((resolve) => window.setTimeout(resolve, 1000));
      current = await api.get<UploadView>(`/v1/uploads/${current.upload_id}`);
    }
    return current;
  }

  async function send(file: File | Blob, filename: string) {
    setBusy(true);
    setPercent(null);
    onChange?.(undefined);
    try {
      let upload: UploadView;
      if (file instanceof File && file.size > presignAbove()) {
        setPercent(0);
        upload = await waitParsed(await uploadPresigned(file, kind, setPercent));
      } else {
        upload = await uploadDirect(file, filename, kind);
      }
      if (alive.current) onChange?.(upload);
    } catch (error) {
      fail(error);
    } finally {
      if (alive.current) setBusy(false);
    }
  }

  const lang = currentLang();
  const countries = value ? Object.entries(value.countries) : [];
  return (
    <div id={id} data-testid="number-upload">
      <Space direction="vertical" style={{ width: "100%" }}>
        <Space wrap>
          <Radio.Group value={mode} onChange={(e) => setMode(e.target.value)} optionType="button"
            aria-label={t("form.numbers")}
            options={[{ value: "file", label: t("form.byFile") }, { value: "text", label: t("form.byText") }]} />
          <Button type="link" data-testid="number-template"
            onClick={() => downloadNumberTemplate(kind).catch(fail)}>{t("form.template_download")}</Button>
          <Typography.Text type="secondary">
            {kind === "domestic" ? t("form.templateDownloadHelpDomestic") : t("form.templateDownloadHelp")}
          </Typography.Text>
        </Space>
        {mode === "file" ? (
          <div data-testid="number-dragger"><Upload.Dragger accept=".xlsx,.csv" multiple={false} showUploadList={false}
            disabled={busy} aria-label={t("form.dragger")}
            beforeUpload={(file) => { void send(file, file.name); return false; }}>
            <p className="ant-upload-drag-icon"><InboxOutlined /></p>
            <p className="ant-upload-text">{t("form.dragger")}</p>
            <p className="ant-upload-hint">{t("form.draggerHint")}</p>
          </Upload.Dragger></div>
        ) : (
          <Space direction="vertical" style={{ width: "100%" }}>
            <Input.TextArea rows={5} value={text} onChange={(e) => setText(e.target.value)} aria-label={t("form.textNumbers")}
              placeholder={t("form.textPlaceholder")} data-testid="numbers-text" />
            <Button onClick={() => void send(numbersCsv(text), "numbers.csv")} disabled={!text.trim() || busy}
              loading={busy} data-testid="numbers-text-submit">{t("form.textSubmit")}</Button>
          </Space>
        )}
        {percent !== null && (busy || percent < 100) && (
          <Progress percent={percent} data-testid="upload-progress" aria-label={t("form.uploading", { percent })}
            format={(p) => t("form.uploading", { percent: p })} />
        )}
        {value && (value.status === "uploading" || value.status === "parsing") && (
          <Typography.Text data-testid="upload-parsing">
            {value.progress ? t("form.parsingParts", { done: value.progress.parts_parsed, parts: value.progress.parts })
              : t("form.parsing")}
          </Typography.Text>
        )}
        {value?.status === "failed" && (
          <Alert type="error" showIcon message={t("form.failedUpload", { error: value.error ?? "" })} />
        )}
        {value?.status === "ready" && (
          <Alert type="success" showIcon data-testid="upload-result"
            message={t("form.uploaded", { file: value.filename, total: value.total_rows, valid: value.valid,
              duplicates: value.duplicates })}
            description={countries.length ? t("form.countries", {
              list: countries.map(([code, n]) => `${countryName(code, lang)} (${code}) ${n}`).join(lang === "zh" ? "，" : ", "),
            }) : undefined} />
        )}
        {value && value.invalid > 0 && (
          <Alert type="warning" showIcon data-testid="upload-invalid"
            message={t("form.invalid", { count: value.invalid })}
            description={value.invalid_report_url && (
              <a href={value.invalid_report_url} download="异常数据.xlsx" data-testid="invalid-download"
                style={{ color: "#002c8c", textDecoration: "underline" }}>
                {t("form.invalidDownload")}
              </a>
            )} />
        )}
        {value?.unpriced_message && (
          <Alert type="error" showIcon data-testid="upload-unpriced" message={value.unpriced_message[lang]} />
        )}
      </Space>
    </div>
  );
}
