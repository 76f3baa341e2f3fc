// 下载中心: every label and message in both languages; the export types are the files' titles.
import { registerBundle } from "../../i18n";

registerBundle("downloads", {
  zh: {
    title: "下载中心", type: "导出类型", range: "时间周期", rangeHelp: "按导出任务的创建时间筛选", any: "全部",
    types: { tasks: "任务统计", task_cost: "费用统计", task_failures: "失败详情", messages: "日志查询", report: "报告下载",
      voice_calls: "通话记录" },
    col: { filename: "文件名", type: "导出类型", format: "格式", status: "状态", progress: "进度", rows: "行数",
      size: "大小", createdAt: "创建时间", finishedAt: "完成时间", expiresAt: "过期时间", error: "失败原因" },
    expired: "已过期", cancel: "取消导出", cancelAsk: "确定取消这个导出任务吗？", cancelled: "导出任务已取消",
    remove: "删除", removeAsk: "确定删除这个文件吗？", removed: "文件已删除", noLink: "文件暂不可下载",
    polling: "有导出任务正在处理，列表会自动刷新",
  },
  en: {
    title: "Download center", type: "Export type", range: "Time range", rangeHelp: "By the time the export was made",
    any: "All",
    types: { tasks: "Task statistics", task_cost: "Task cost", task_failures: "Task failures", messages: "Message log",
      report: "Report", voice_calls: "Voice call log" },
    col: { filename: "File name", type: "Export type", format: "Format", status: "Status", progress: "Progress",
      rows: "Rows", size: "Size", createdAt: "Created at", finishedAt: "Finished at", expiresAt: "Expires at",
      error: "Failure reason" },
    expired: "Expired", cancel: "Cancel export", cancelAsk: "Cancel this export?", cancelled: "The export has been cancelled",
    remove: "Delete", removeAsk: "Delete this file?", removed: "The file has been deleted",
    noLink: "The file cannot be downloaded now", polling: "Exports are running; the list refreshes by itself",
  },
});
