// 日志管理 (日志查询, 报告下载): every label, column and message in both languages. The columns
// are the export's (seed field names), so the table and the downloaded file say the same.
import { registerBundle } from "../../i18n";

registerBundle("logs", {
  zh: {
    title: "日志查询",
    filters: {
      type: "短信类型", to: "接收方手机号码", toHelp: "国际格式，如 +447700900123", taskName: "任务名称",
      country: "国家名称", messageId: "Message Id", taskId: "任务ID", status: "状态", range: "时间周期",
      rangeHelp: "不选择时为最近 7 天，最长 92 天", any: "全部",
    },
    types: { marketing: "营销类", transactional: "交易类" },
    col: {
      id: "Message ID", type: "短信类型", taskId: "任务ID", taskName: "任务名称", from: "FROM", to: "接收号码",
      countryName: "国家地区名称", country: "国家地区代码", text: "发送内容", segments: "计费条数", status: "状态",
      reason: "失败原因", price: "费用", createdAt: "创建时间", submittedAt: "提交时间", deliveredAt: "送达时间",
      source: "来源", appId: "应用", userId: "发送用户", encoding: "编码", clientRef: "客户参考号",
      carrierIds: "运营商消息ID",
    },
    sources: { api: "API", vonage: "Vonage 接口", task: "任务" },
    status: {
      queued: "排队中", submitted: "已提交", delivered: "成功", failed: "失败", expired: "已过期",
      rejected: "被拒绝", blocked: "黑名单拦截",
    },
    reasons: { number: "号码在黑名单中", country: "国家/地区在黑名单中" },
    detail: "短信详情",
    exportCsv: "导出 CSV", exportXlsx: "导出 XLSX",
    exported: "导出任务已创建（{{name}}），完成后可在下载中心下载。",
    goDownloads: "前往下载中心",
    report: {
      title: "报告下载", type: "短信类型", range: "时间周期", rangeHelp: "按天统计，含首尾两天，默认最近 7 天，最长 366 天",
      user: "用户账户", userHelp: "任务计入创建它的用户，API 发信计入发信的应用", countries: "国家",
      countriesHelp: "可多选，最多 50 个", me: "{{name}}（我）", app: "应用：{{name}}",
      countryEn: "Country / Region", countryZh: "国家/地区", userName: "用户名", rate: "成功率", total: "总计/条",
      delivered: "成功/条", failed: "失败/条", totals: "合计", exportXlsx: "导出报告 XLSX", exportCsv: "导出报告 CSV",
      period: "{{start}} 至 {{end}}",
    },
  },
  en: {
    title: "Message log",
    filters: {
      type: "Message type", to: "Recipient number", toHelp: "International format, e.g. +447700900123",
      taskName: "Task name", country: "Country", messageId: "Message ID", taskId: "Task ID", status: "Status",
      range: "Time range", rangeHelp: "Empty: the last 7 days; at most 92 days", any: "All",
    },
    types: { marketing: "Marketing", transactional: "Transactional" },
    col: {
      id: "Message ID", type: "Type", taskId: "Task ID", taskName: "Task name", from: "From", to: "To",
      countryName: "Country / Region", country: "Country code", text: "Content", segments: "Segments",
      status: "Status", reason: "Failure reason", price: "Price", createdAt: "Created at",
      submittedAt: "Submitted at", deliveredAt: "Delivered at", source: "Source", appId: "Application",
      userId: "User", encoding: "Encoding", clientRef: "Client reference", carrierIds: "Carrier message IDs",
    },
    sources: { api: "API", vonage: "Vonage API", task: "Task" },
    status: {
      queued: "Queued", submitted: "Submitted", delivered: "Delivered", failed: "Failed", expired: "Expired",
      rejected: "Rejected", blocked: "Blacklisted",
    },
    reasons: { number: "The number is blacklisted", country: "The country or region is blacklisted" },
    detail: "Message details",
    exportCsv: "Export CSV", exportXlsx: "Export XLSX",
    exported: "The export has been created ({{name}}); download it from the download center when it is ready.",
    goDownloads: "Open the download center",
    report: {
      title: "Reports", type: "Message type", range: "Days",
      rangeHelp: "Whole days, both included; the last 7 days by default, at most 366",
      user: "User", userHelp: "A task counts for the user who made it, an API send for the app that sent it",
      countries: "Countries", countriesHelp: "Several may be chosen, at most 50", me: "{{name}} (me)",
      app: "App: {{name}}", countryEn: "Country / Region", countryZh: "Country / Region (zh)", userName: "User",
      rate: "Success rate", total: "Total", delivered: "Delivered", failed: "Failed", totals: "Total",
      exportXlsx: "Export report XLSX", exportCsv: "Export report CSV", period: "{{start}} to {{end}}",
    },
  },
});
