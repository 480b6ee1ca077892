// The LangGraph adapters (they need @langchain/langgraph-checkpoint installed).
export { EngramStore, type EngramStoreOptions } from "./store.js";
