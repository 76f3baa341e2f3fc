// What the log pages share: country options (the countries the account has a price for, named
// in the page's language), and exporting the current filters to the download center.
import { Alert } from "antd";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api } from "../../api/client";
import { useNotify } from "../../components/useNotify";

/** A region's name in the page's language (the browser knows every ISO 3166 code). */
export function countryName(code: string, lang: string): string {
  try {
    return new Intl.DisplayNames([lang === "en" ? "en" : "zh-CN"], { type: "region" }).of(code) ?? code;
  } catch {
    return code;
  }
}

export interface CountryOption { value: string; label: string }

/** The countries the account can send to (GET /v1/prices), as select options: "英国 GB". */
export function useCountryOptions(): CountryOption[] {
  const { i18n } = useTranslation();
  const [codes, setCodes] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    api.get<{ prices: { country: string }[] }>("/v1/prices")
      .then((body) => live && setCodes(body.prices.map((p) => p.country)))
      .catch(() => live && setCodes([]));
    return () => { live = false; };
  }, []);
  return useMemo(() => codes.map((code) => ({ value: code, label: `${countryName(code, i18n.language)} ${code}` })),
    [codes, i18n.language]);
}

/** A search over the select's label and value, whatever the case. */
export function matchOption(input: string, option?: { label?: unknown; value?: unknown }): boolean {
  const text = `${String(option?.label ?? "")} ${String(option?.value ?? "")}`.toLowerCase();
  return text.includes(input.trim().toLowerCase());
}

export type ExportType = "messages" | "report" | "voice_calls";
export type ExportFormat = "csv" | "xlsx";
interface Created { export_id: string; filename: string }

/** POST /v1/exports with the page's filters, in the page's language. `run` rejects with the
 * API's error (after showing it) so the page can mark the field it names. */
export function useExport(type: ExportType) {
  const { i18n } = useTranslation();
  const { fail } = useNotify();
  const [created, setCreated] = useState<Created | null>(null);
  const [busy, setBusy] = useState<ExportFormat | null>(null);
  const run = useCallback(async (format: ExportFormat, filters: Record<string, string | string[]>) => {
    setBusy(format);
    setCreated(null);
    try {
      setCreated(await api.post<Created>("/v1/exports",
        { type, format, lang: i18n.language === "en" ? "en" : "zh", filters }));
    } catch (error) {
      fail(error);
      throw error;
    } finally {
      setBusy(null);
    }
  }, [type, i18n.language, fail]);
  return { created, busy, run, clear: () => setCreated(null) };
}

/** "The export has been created … open the download center". */
export function ExportNotice({ created, onClose }: { created: Created | null; onClose: () => void }) {
  const { t } = useTranslation("logs");
  if (!created) return null;
  return (
    <Alert type="success" showIcon closable onClose={onClose} style={{ marginBottom: 16 }} data-testid="export-notice"
      role="status"
      message={<span>{t("exported", { name: created.filename })} <Link to="/downloads" data-testid="go-downloads">
        {t("goDownloads")}</Link></span>} />
  );
}
