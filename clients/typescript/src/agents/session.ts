// The OpenAI Agents SDK's `Session` (@openai/agents-core) over an engram session: the history
// of one conversation, kept by `engram serve`, so a run in another process (or after a restart)
// continues it. Used as `run(agent, input, { session: new EngramSession(...) })`.
import { isDeepStrictEqual } from "node:util";

import type { AgentInputItem, Session } from "@openai/agents-core";

import type { EngramClient, NewSessionItem, SessionItem } from "../client.js";

export interface EngramSessionOptions {
  client: EngramClient;
  /** The engram session id (a conversation); reused across processes to continue it. */
  sessionId: string;
  /** Also run each user message through engram's write policy (POST …/memories/from-turns), so
   * what the user discloses becomes memories that later sessions can recall. */
  remember?: boolean;
  /** The scope those memories are stored in (default "global"). */
  scope?: string;
}

type Role = NewSessionItem["role"];

// engram's role for an SDK item: user and system messages keep theirs (a developer message is a
// system one); everything the model produced or a tool returned belongs to the assistant's part
// of the turn. engram's tool role is not used: it requires the result to follow its call's item
// directly, and the SDK stores parallel calls as separate items before their results.
function roleOf(item: AgentInputItem): Role {
  const message = item as { type?: string; role?: string };
  if (message.type === undefined || message.type === "message") {
    if (message.role === "user") return "user";
    if (message.role === "system" || message.role === "developer") return "system";
  }
  return "assistant";
}

// The item a plain text of this role stands for: what the SDK makes of a string input.
function plainItem(role: Role, content: string): AgentInputItem {
  return { type: "message", role, content } as AgentInputItem;
}

function parsedItem(content: string): AgentInputItem | undefined {
  if (!content.startsWith("{")) return undefined;
  try {
    const value = JSON.parse(content);
    if (value && typeof value === "object" && ("type" in value || "role" in value)) return value;
  } catch {
    // Not JSON: a plain text.
  }
  return undefined;
}

// The words of a user message: its text, or its text parts (input_text) joined.
function userText(item: AgentInputItem): string {
  const content = (item as { content?: unknown }).content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((part) => part?.type === "input_text" && typeof part.text === "string")
    .map((part) => part.text as string)
    .join("\n");
}

/** An SDK item as an engram session item. A plain user or system message is stored as its text,
 * so engram's summaries, context and extraction read it as the words it is; every other item is
 * stored as its JSON, whole (function calls and results, reasoning, providerData), and comes back
 * deep-equal. A plain text that itself reads as a JSON item is stored as JSON too, so decoding is
 * never ambiguous. */
export function toEngramItem(item: AgentInputItem): NewSessionItem {
  const role = roleOf(item);
  const content = (item as { content?: unknown }).content;
  if (
    (role === "user" || role === "system") &&
    typeof content === "string" &&
    content.length > 0 &&
    parsedItem(content) === undefined &&
    isDeepStrictEqual(item, plainItem(role, content))
  ) {
    return { role, content };
  }
  return { role, content: JSON.stringify(item) };
}

/** The SDK item an engram session item holds (the inverse of toEngramItem). */
export function fromEngramItem(item: Pick<SessionItem, "role" | "content">): AgentInputItem {
  return parsedItem(item.content) ?? plainItem(item.role, item.content);
}

export class EngramSession implements Session {
  readonly #client: EngramClient;
  readonly #sessionId: string;
  readonly #remember: boolean;
  readonly #scope: string;

  constructor(options: EngramSessionOptions) {
    this.#client = options.client;
    this.#sessionId = options.sessionId;
    this.#remember = options.remember ?? false;
    this.#scope = options.scope ?? "global";
  }

  async getSessionId(): Promise<string> {
    return this.#sessionId;
  }

  /** The history, oldest first; with `limit`, only the latest `limit` items. */
  async getItems(limit?: number): Promise<AgentInputItem[]> {
    if (limit !== undefined && limit <= 0) return [];
    const { items } = await this.#client.getSessionItems(this.#sessionId, limit);
    return items.map(fromEngramItem);
  }

  /** Appends the items in one transaction (all or none). */
  async addItems(items: AgentInputItem[]): Promise<void> {
    if (items.length === 0) return;
    await this.#client.addSessionItems(this.#sessionId, items.map(toEngramItem));
    if (!this.#remember) return;
    const turns = items
      .filter((item) => roleOf(item) === "user")
      .map((item) => ({ role: "user" as const, content: userText(item) }))
      .filter((turn) => turn.content.length > 0);
    if (turns.length > 0) {
      await this.#client.rememberTurns({ turns, scope: this.#scope, session_id: this.#sessionId });
    }
  }

  async popItem(): Promise<AgentInputItem | undefined> {
    const { item } = await this.#client.popSessionItem(this.#sessionId);
    return item ? fromEngramItem(item) : undefined;
  }

  async clearSession(): Promise<void> {
    await this.#client.clearSession(this.#sessionId);
  }
}
