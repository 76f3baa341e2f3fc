import { Alert, Button, Form, Input, Space } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, Navigate, useLocation, useNavigate } from "react-router-dom";
import { api } from "../../api/client";
import type { Tokens } from "../../api/session";
import { useSession } from "../../auth/me";
import { useNotify } from "../../components/useNotify";
import { errorText } from "../../lib/errors";
import { AuthCard } from "./AuthCard";
import "./i18n";
import { useCodeButton } from "./useCodeButton";

interface Values {
  login: string;
  password: string;
  code: string;
}

export default function LoginPage() {
  const { t } = useTranslation("login");
  const [form] = Form.useForm<Values>();
  const { me, signIn } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const code = useCodeButton("login");
  const { done } = useNotify();
  const [error, setError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  if (me) return <Navigate to={(location.state as { from?: string } | null)?.from ?? "/"} replace />;

  async function sendCode() {
    setError(null);
    try {
      const { login } = await form.validateFields(["login"]);
      await code.send(login.trim());
      done(t("codeSent"));
    } catch (e) {
      if (!(e && typeof e === "object" && "errorFields" in e)) setError(errorText(e, t));
    }
  }

  async function submit(values: Values) {
    setError(null);
    setSubmitting(true);
    try {
      await signIn(await api.anonymous<Tokens>("/v1/auth/login", { ...values, login: values.login.trim() }));
      navigate("/", { replace: true });
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setSubmitting(false);
    }
  }

  return (
    <AuthCard title={t("title")}>
      <Form form={form} layout="vertical" onFinish={submit} requiredMark={false}>
        <Form.Item name="login" label={t("login")} extra={t("loginHelp")}
          rules={[{ required: true, whitespace: true, message: t("required", { field: t("login") }) }]}>
          <Input autoComplete="username" />
        </Form.Item>
        <Form.Item name="password" label={t("password")} rules={[{ required: true, message: t("required", { field: t("password") }) }]}>
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Form.Item label={t("code")} required>
          <Space.Compact style={{ width: "100%" }}>
            <Form.Item name="code" noStyle rules={[{ required: true, pattern: /^\d{6}$/, message: t("codeFormat") }]}>
              <Input inputMode="numeric" maxLength={6} autoComplete="one-time-code" aria-label={t("code")} />
            </Form.Item>
            <Button onClick={sendCode} disabled={code.wait > 0} loading={code.sending} data-testid="send-code">
              {code.wait > 0 ? t("resend", { seconds: code.wait }) : t("sendCode")}
            </Button>
          </Space.Compact>
        </Form.Item>
        {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} data-testid="login-error" role="alert" />}
        <Button type="primary" htmlType="submit" block loading={submitting}>{t("submit")}</Button>
        <div style={{ marginTop: 12, textAlign: "right" }}><Link to="/forgot-password">{t("forgot")}</Link></div>
      </Form>
    </AuthCard>
  );
}
