import { Alert, Button, Form, Input, Space } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { api } from "../../api/client";
import { useNotify } from "../../components/useNotify";
import { errorText } from "../../lib/errors";
import { AuthCard } from "./AuthCard";
import "./i18n";
import { useCodeButton } from "./useCodeButton";

interface Values {
  login: string;
  code: string;
  new_password: string;
}

export default function ForgotPasswordPage() {
  const { t } = useTranslation("login");
  const [form] = Form.useForm<Values>();
  const navigate = useNavigate();
  const code = useCodeButton("reset_password");
  const { done } = useNotify();
  const [error, setError] = useState<string | null>(null);

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
    try {
      await api.anonymous("/v1/auth/password-reset", { ...values, login: values.login.trim() });
      done(t("resetDone"));
      navigate("/login");
    } catch (e) {
      setError(errorText(e, t));
    }
  }

  return (
    <AuthCard title={t("resetTitle")}>
      <Form form={form} layout="vertical" onFinish={submit} requiredMark={false}>
        <Form.Item name="login" label={t("login")} extra={t("loginHelp")}
          rules={[{ required: true, whitespace: true, message: t("required", { field: t("login") }) }]}>
          <Input autoComplete="username" />
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
        <Form.Item name="new_password" label={t("newPassword")} extra={t("newPasswordHelp")}
          rules={[{ required: true, min: 10, max: 256, message: t("newPasswordHelp") }]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} role="alert" />}
        <Button type="primary" htmlType="submit" block>{t("resetSubmit")}</Button>
        <div style={{ marginTop: 12 }}><Link to="/login">{t("backToLogin")}</Link></div>
      </Form>
    </AuthCard>
  );
}
