// 个人中心: the account and the user, and a password change (the current one is asked).
import { Button, Card, Descriptions, Form, Input } from "antd";
import { useTranslation } from "react-i18next";
import { api } from "../../api/client";
import { useMe } from "../../auth/me";
import { PageTitle } from "../../components/PageTitle";
import { useNotify } from "../../components/useNotify";
import { registerBundle } from "../../i18n";
import { formatTime } from "../../lib/time";

registerBundle("profile", {
  zh: { title: "个人中心", account: "账户信息", user: "用户信息", accountName: "账户名称", accountId: "账户 ID",
    zone: "时区", currency: "币种", balance: "余额", name: "姓名", email: "邮箱", phone: "手机号", role: "角色",
    createdAt: "创建时间", password: "修改密码", current: "当前密码", next: "新密码",
    nextHelp: "10-256 个字符，不能只有字母或只有数字", changed: "密码已修改",
    roles: { owner: "所有者", member: "成员", operator: "运营人员" } },
  en: { title: "My account", account: "Account", user: "User", accountName: "Account name", accountId: "Account ID",
    zone: "Time zone", currency: "Currency", balance: "Balance", name: "Name", email: "Email", phone: "Phone",
    role: "Role", createdAt: "Created", password: "Change password", current: "Current password",
    next: "New password", nextHelp: "10-256 characters, not only letters and not only digits",
    changed: "Your password has been changed", roles: { owner: "Owner", member: "Member", operator: "Operator" } },
});

export default function ProfilePage() {
  const { t } = useTranslation("profile");
  const me = useMe();
  const { fail, done } = useNotify();
  const [form] = Form.useForm<{ current_password: string; new_password: string }>();

  async function change(values: { current_password: string; new_password: string }) {
    try {
      await api.put("/v1/me/password", values);
      form.resetFields();
      done(t("changed"));
    } catch (error) {
      fail(error);
    }
  }

  return (
    <>
      <PageTitle title={t("title")} />
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t("account")}</h2>}>
        <Descriptions column={2}>
          <Descriptions.Item label={t("accountName")}>{me.account?.name}</Descriptions.Item>
          <Descriptions.Item label={t("accountId")}>{me.account?.id}</Descriptions.Item>
          <Descriptions.Item label={t("zone")}>{me.timezone}</Descriptions.Item>
          <Descriptions.Item label={t("currency")}>{me.currency}</Descriptions.Item>
          {me.role !== "operator" && <Descriptions.Item label={t("balance")}>{me.balance}</Descriptions.Item>}
        </Descriptions>
      </Card>
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t("user")}</h2>} style={{ marginTop: 16 }}>
        <Descriptions column={2}>
          <Descriptions.Item label={t("name")}>{me.user.name}</Descriptions.Item>
          <Descriptions.Item label={t("email")}>{me.user.email}</Descriptions.Item>
          <Descriptions.Item label={t("phone")}>{me.user.phone ?? "-"}</Descriptions.Item>
          <Descriptions.Item label={t("role")}>{t(`roles.${me.role}`)}</Descriptions.Item>
          <Descriptions.Item label={t("createdAt")}>{formatTime(me.user.created_at, me.timezone)}</Descriptions.Item>
        </Descriptions>
      </Card>
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t("password")}</h2>} style={{ marginTop: 16, maxWidth: 560 }}>
        <Form form={form} layout="vertical" onFinish={change}>
          <Form.Item name="current_password" label={t("current")} rules={[{ required: true }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Form.Item name="new_password" label={t("next")} extra={t("nextHelp")} rules={[{ required: true, min: 10, max: 256 }]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit">{t("common:action.save")}</Button>
        </Form>
      </Card>
    </>
  );
}
