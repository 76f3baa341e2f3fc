import { registerBundle } from "../../i18n";

registerBundle("webhook", {
  zh: {
    title: "Webhook URL", intro: "发信状态报告将推送至此 Webhook URL，每次推送带有签名（使用签名密钥）。",
    notConfigured: "尚未创建 Webhook URL", notConfiguredHelp: "如需接收发信的 Webhook，请联系锦木通信团队协助创建 Webhook URL，创建完毕后即可在此页面进行编辑配置。",
    config: "接收地址", url: "Webhook URL", urlHelp: "http(s) 完整地址，如 https://example.com/jmc/dlr",
    secretHint: "签名密钥", secretHintValue: "尾号 {{hint}}", updatedAt: "更新时间", createdAt: "创建时间",
    saved: "Webhook URL 已保存", ownerOnly: "仅账户所有者可修改 Webhook URL 和重置签名密钥。",
    rotate: "重置签名密钥", rotateTitle: "确定重置签名密钥？",
    rotateWarning: "重置后旧密钥将在 30 秒内失效，请及时在接收端更新密钥。",
    secretTitle: "新的签名密钥", secretOnce: "密钥只显示这一次，关闭后无法再次查看，请立即复制并妥善保存。",
    copied: "已复制", copy: "复制密钥", closeSecret: "我已保存",
    deliveries: "推送记录", messageId: "Message Id", statusCol: "状态", attempts: "推送次数",
    lastStatusCode: "最后响应码", lastError: "最后错误", nextAttemptAt: "下次重试时间",
    deliveryUrl: "推送地址", allStatuses: "全部状态", required: "请输入{{field}}",
    status: { pending: "待推送", delivered: "推送成功", retrying: "重试中", dead_lettered: "推送失败" },
  },
  en: {
    title: "Webhook URL", intro: "Delivery reports are posted to this webhook URL, each signed with the signing secret.",
    notConfigured: "No webhook URL yet", notConfiguredHelp: "To receive delivery webhooks, ask the JMC team to create your webhook URL; you can then edit it on this page.",
    config: "Endpoint", url: "Webhook URL", urlHelp: "A full http(s) URL, e.g. https://example.com/jmc/dlr",
    secretHint: "Signing secret", secretHintValue: "ending in {{hint}}", updatedAt: "Updated", createdAt: "Created",
    saved: "Webhook URL saved", ownerOnly: "Only the account owner can change the webhook URL and rotate the signing secret.",
    rotate: "Rotate signing secret", rotateTitle: "Rotate the signing secret?",
    rotateWarning: "The old secret stops working within 30 seconds: update your receiver promptly.",
    secretTitle: "Your new signing secret", secretOnce: "This secret is shown only once and cannot be viewed again after you close this window. Copy it and keep it safe now.",
    copied: "Copied", copy: "Copy secret", closeSecret: "I have saved it",
    deliveries: "Delivery log", messageId: "Message Id", statusCol: "Status", attempts: "Attempts",
    lastStatusCode: "Last response code", lastError: "Last error", nextAttemptAt: "Next attempt",
    deliveryUrl: "URL", allStatuses: "All statuses", required: "Please enter {{field}}",
    status: { pending: "Pending", delivered: "Delivered", retrying: "Retrying", dead_lettered: "Failed" },
  },
});
