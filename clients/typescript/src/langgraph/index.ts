// The LangGraph adapters (they need @langchain/langgraph-checkpoint installed).
export { EngramCheckpointSaver, type EngramCheckpointSaverOptions } from "./checkpoint.js";
export { EngramStore, type EngramStoreOptions } from "./store.js";
