// engram's typed REST client and the OpenAI Agents session. The LangGraph adapters are in
// "@engram/client/langgraph", so that this entry point needs nothing but fetch.
export * from "./client.js";
export * from "./agents/index.js";
export type { components, operations, paths } from "./generated/openapi.js";
