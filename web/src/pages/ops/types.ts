export interface AccountRow {
  id: string;
  name: string;
  timezone: string;
  currency: string;
  status: string;
  created_at: string;
  balance?: string;
}

export interface UserRow {
  id: string;
  account_id: string;
  email: string;
  phone?: string | null;
  name: string;
  role: string;
  status: string;
  created_at: string;
}

export interface AccountDetail extends AccountRow {
  users: UserRow[];
  /** The carrier's cost × this is the account's number price; null: the platform's default. */
  number_markup: string | null;
}

export interface LedgerRow {
  id: string;
  kind: string;
  amount: string;
  reference: string;
  actor: string;
  created_at: string;
}

export interface SenderRow {
  id: string;
  type: "number" | "sender_id";
  value: string;
  countries: string[];
  created_at: string;
}

export interface SignatureRow {
  id: string;
  text: string;
  created_at: string;
}

export interface PendingTemplate {
  id: string;
  account_id: string;
  name: string;
  content: string;
  kind: string;
  status: string;
  created_at: string;
}

export interface CountryRule {
  country: string;
  sender_preapproval_required: boolean;
  sender_id_allowed: boolean;
}

/** A whole list the API gives at once, as one page of a ServerTable. */
export function onePage<T>(items: T[]) {
  return { items, next: null };
}
