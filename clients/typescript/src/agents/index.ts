// The OpenAI Agents SDK adapters (types only from @openai/agents-core: nothing to install at run
// time).
export { EngramSession, fromEngramItem, toEngramItem, type EngramSessionOptions } from "./session.js";
