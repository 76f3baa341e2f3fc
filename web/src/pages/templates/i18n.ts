import { registerBundle } from "../../i18n";

registerBundle("templates", {
  zh: {
    international: "国际|港澳台短信模板", domestic: "国内短信模板",
    internationalIntro: "预设的国际|港澳台短信模板与国际|港澳台发信任务处自动关联，选择模板后系统自动填入模板内容。",
    domesticIntro: "国内短信模板提交后由锦木通信服务团队审核，审核通过后与任务管理-国内发信任务自动关联。修改模板内容后需重新审核。",
    name: "模板名称", content: "模板内容", reviewStatus: "审核状态", state: "状态", reason: "驳回原因",
    createdAt: "创建时间", updatedAt: "更新时间",
    create: "新增模板", editTitle: "编辑模板", createTitle: "新增模板",
    contentHelp: "最多 {{max}} 个字符，长短信会拆分发送", domesticContentHelp: "最多 {{max}} 个字符，不含签名【】（签名在发信时单独选择）",
    nameHelp: "最多 {{max}} 个字符",
    reReview: "修改模板内容后，模板将重新提交审核，审核通过前不能用于发信。",
    deleteConfirm: "确定删除模板“{{name}}”？", created: "模板已创建", saved: "模板已保存", deleted: "模板已删除",
    submitted: "模板已提交审核",
    required: "请输入{{field}}",
    status: { active: "可用", pending: "待审核", approved: "已通过", rejected: "已驳回" },
  },
  en: {
    international: "International templates", domestic: "Domestic templates",
    internationalIntro: "International (incl. HK/Macau/Taiwan) templates are offered in the international sending form, which fills in their content.",
    domesticIntro: "Domestic templates are reviewed by the JMC service team; once approved they are offered in the domestic sending form. Changing the content sends a template back to review.",
    name: "Template name", content: "Content", reviewStatus: "Review status", state: "Status", reason: "Rejection reason",
    createdAt: "Created", updatedAt: "Updated",
    create: "New template", editTitle: "Edit template", createTitle: "New template",
    contentHelp: "Up to {{max}} characters; long messages are split", domesticContentHelp: "Up to {{max}} characters, without the 【】 signature (chosen when sending)",
    nameHelp: "Up to {{max}} characters",
    reReview: "Changing the content sends the template back to review; it cannot be used until approved again.",
    deleteConfirm: "Delete the template “{{name}}”?", created: "Template created", saved: "Template saved",
    deleted: "Template deleted", submitted: "Template submitted for review",
    required: "Please enter {{field}}",
    status: { active: "Usable", pending: "Pending review", approved: "Approved", rejected: "Rejected" },
  },
});
