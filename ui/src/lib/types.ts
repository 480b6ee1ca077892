// The JSON shapes of the REST API that the page reads (components/schemas of /openapi.json).

export const MEMORY_TYPES = ["fact", "preference", "episode", "procedure", "summary", "block"] as const;
export type MemoryType = (typeof MEMORY_TYPES)[number];

export interface Memory {
  id: string;
  owner_id: string;
  scope: string;
  agent_id: string | null;
  session_id: string | null;
  type: MemoryType;
  key: string | null;
  text: string;
  data: unknown;
  metadata: Record<string, unknown>;
  source: string | null;
  confidence: number;
  created_at: string;
  updated_at: string;
  valid_from: string | null;
  valid_to: string | null;
  expires_at: string | null;
  superseded_by: string | null;
  deleted_at: string | null;
}

export interface Explanation {
  lexical_rank: number | null;
  lexical_score: number;
  vector_rank: number | null;
  vector_similarity: number;
  relevance: number;
  date: number;
  context: number;
  recency: number;
  confidence: number;
  final: number;
}

export interface SearchHit extends Memory {
  score: number;
  explanation?: Explanation;
}

export interface MemoryPage {
  items: Memory[];
  next_cursor: string | null;
}

export interface HistoryEvent {
  seq: number;
  memory_id: string;
  event: "add" | "update" | "delete" | "verify" | "supersede";
  actor: string | null;
  reason: string | null;
  old_value: Record<string, unknown> | null;
  new_value: Record<string, unknown> | null;
  at: string;
}

export interface Whoami {
  name: string;
  admin: boolean;
  owners: string[];
}

export interface OwnerStats {
  now: string;
  live: number;
  superseded: number;
  by_type: Record<MemoryType, number>;
  added_per_day: { day: string; by_type: Partial<Record<MemoryType, number>> }[];
  age_days: { max_days: number | null; count: number }[];
}

export interface CoreBlock {
  id: string;
  scope: string;
  label: string;
  value: string;
  limit: number;
  updated_at: string;
}

export interface SessionItem {
  seq: number;
  role: string;
  content: string;
  created_at: string;
  session_id?: string;
}

export interface ContextItem {
  section: string;
  reason: string;
  score: number;
  tokens: number;
  text: string;
  memory_id?: string;
  session_seq?: number;
}

export interface Context {
  items: ContextItem[];
  omitted: ContextItem[];
  token_count: number;
  token_budget: number;
  rendered: string;
}

export interface Entity {
  name: string;
  entityType: string;
  observations: string[];
}

export interface Relation {
  from: string;
  to: string;
  relationType: string;
}

export interface Graph {
  entities: Entity[];
  relations: Relation[];
}

// The graph's full model (GET …/graph/entities/{name}/neighbors): records as engram --json writes them.
export interface ModelEntity {
  id: string;
  name: string;
  type: string;
  scope: string;
  aliases: string[];
  observations: { text: string }[];
}

export interface ModelRelation {
  id: string;
  from: string;
  type: string;
  to: string;
  valid_from: string | null;
  valid_to: string | null;
}

export interface Neighborhood {
  start: ModelEntity;
  neighbors: { depth: number; via: ModelRelation; entity: ModelEntity }[];
  relations: ModelRelation[];
}

// GET /v1/owners (admin keys).
export interface OwnerList {
  owners: { owner_id: string; memories: number }[];
  next_cursor: string | null;
}
