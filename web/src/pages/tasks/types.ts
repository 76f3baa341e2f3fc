// The API's shapes this module reads (chalicelib/api/serializers.py: upload, task).
export type Kind = "international" | "domestic";

export interface UploadView {
  upload_id: string;
  kind: Kind;
  filename: string;
  status: "uploading" | "parsing" | "ready" | "failed";
  error: string | null;
  total_rows: number;
  valid: number;
  invalid: number;
  duplicates: number;
  countries: Record<string, number>;
  message: string | null;
  unpriced_countries: Record<string, number>;
  unpriced_message: { en: string; zh: string } | null;
  invalid_report_url: string | null;
  progress: { parts: number; parts_parsed: number; buckets: number; buckets_merged: number } | null;
}

export interface PresignedUpload extends UploadView {
  upload: { url: string; fields: Record<string, string>; expires_in: number; max_bytes: number };
}

export interface Counters {
  total: number;
  blocked: number;
  unsent: number;
  submitted: number;
  delivered: number;
  failed: number;
  segments: number;
  pending: number;
  cost: string;
}

export interface Task {
  task_id: string;
  name: string;
  kind: Kind;
  status: "scheduled" | "sending" | "completed" | "paused" | "cancelled" | "failed";
  reason: string | null;
  warning: string | null;
  app_id: string;
  upload_id: string;
  signature_id: string | null;
  template_id: string | null;
  content: string;
  text: string;
  blacklist_check: boolean;
  send_at: string | null;
  scheduled: boolean;
  countries: Record<string, number>;
  estimate: { numbers: number; segments: number; cost: string };
  created_by: string;
  created_at: string;
  sent_at: string | null;
  completed_at: string | null;
  version: number;
  counters?: Counters;
}

export interface Sender { id: string; type: "number" | "sender_id"; value: string; countries: string[] }
export interface Signature { id: string; text: string }
export interface Template { id: string; name: string; content: string; kind: Kind; status: string; reason: string | null }
export interface AppItem { id: string; name: string; status: string }
export interface Price { country: string; price: string }
