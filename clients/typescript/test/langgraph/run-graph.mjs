// One step of a LangGraph StateGraph with an EngramCheckpointSaver, in a process of its own.
// The graph drafts, then stops before "review" (interruptBefore). Step "start" runs it up to
// that stop; step "resume", in another process, reads the thread's state through the saver and
// resumes it to the end. Usage: node run-graph.mjs BASE_URL API_KEY OWNER THREAD_ID start|resume
// Prints one JSON line: {"pid", "before": the state read first (resume only), "values", "next",
// "history": how many checkpoints the thread has}.
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";

import { EngramClient } from "../../dist/index.js";
import { EngramCheckpointSaver } from "../../dist/langgraph/index.js";

const [baseUrl, apiKey, owner, threadId, step] = process.argv.slice(2);
const checkpointer = new EngramCheckpointSaver({
  client: new EngramClient({ baseUrl, apiKey, owner }),
});

const State = Annotation.Root({
  topic: Annotation(),
  log: Annotation({ reducer: (a, b) => a.concat(b), default: () => [] }),
});
const graph = new StateGraph(State)
  .addNode("draft", (s) => ({ log: [`draft about ${s.topic} (pid ${process.pid})`] }))
  .addNode("review", (s) => ({ log: [`reviewed ${s.log.length} entry (pid ${process.pid})`] }))
  .addEdge(START, "draft")
  .addEdge("draft", "review")
  .addEdge("review", END)
  .compile({ checkpointer, interruptBefore: ["review"] });

const config = { configurable: { thread_id: threadId } };
const snapshot = async () => {
  const state = await graph.getState(config);
  return { values: state.values, next: state.next };
};
let before;
if (step === "start") {
  await graph.invoke({ topic: "engram" }, config);
} else {
  before = await snapshot();
  await graph.invoke(null, config);
}
let history = 0;
for await (const _ of graph.getStateHistory(config)) history += 1;
console.log(JSON.stringify({ pid: process.pid, before, ...(await snapshot()), history }));
