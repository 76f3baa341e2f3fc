import { registerBundle } from "../../i18n";

registerBundle("login", {
  zh: {
    title: "登录", subtitle: "JMC 短信平台", login: "邮箱或手机号", loginHelp: "手机号支持中国大陆、香港、澳门、台湾、新加坡（国际格式，如 +8613800138000）",
    password: "密码", code: "验证码", sendCode: "发送验证码", resend: "{{seconds}} 秒后重发", codeSent: "验证码已发送，请查收",
    submit: "登录", forgot: "忘记密码", required: "请输入{{field}}", codeFormat: "验证码为 6 位数字",
    resetTitle: "重置密码", newPassword: "新密码", newPasswordHelp: "10-256 个字符，不能只有字母或只有数字",
    resetSubmit: "重置密码", resetDone: "密码已重置，请重新登录", backToLogin: "返回登录",
  },
  en: {
    title: "Sign in", subtitle: "JMC SMS platform", login: "Email or phone", loginHelp: "Phones from mainland China, Hong Kong, Macau, Taiwan or Singapore, in international format (+8613800138000)",
    password: "Password", code: "Verification code", sendCode: "Send code", resend: "Resend in {{seconds}} s", codeSent: "A code has been sent",
    submit: "Sign in", forgot: "Forgot password", required: "Please enter {{field}}", codeFormat: "The code is 6 digits",
    resetTitle: "Reset password", newPassword: "New password", newPasswordHelp: "10-256 characters, not only letters and not only digits",
    resetSubmit: "Reset password", resetDone: "Your password has been reset; please sign in", backToLogin: "Back to sign in",
  },
});
