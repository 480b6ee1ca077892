// engram's two-session check with the OpenAI Agents SDK: a fact told in session 1 is recalled in
// session 2, in another process, through engram. Run it twice against `engram serve`:
//   node examples/two-sessions.mjs http://127.0.0.1:8420 KEY user_42 1
//   node examples/two-sessions.mjs http://127.0.0.1:8420 KEY user_42 2
// The model here is the SDK's ScriptedModel, which answers from the instructions it is given, so
// the example runs offline; pass your real model (e.g. "gpt-4.1") to `new Agent` instead.
import { Agent, run } from "@openai/agents-core";
import { ScriptedModel, assistantMessage, modelResponder } from "@openai/agents-core/testing";

import { EngramClient, EngramSession } from "../dist/index.js";

const [baseUrl, apiKey, owner, which] = process.argv.slice(2);
const client = new EngramClient({ baseUrl, apiKey, owner });

// Each session keeps its own conversation in engram; `remember` runs the user's turns through
// engram's write policy, which keeps what is worth remembering as typed memories of the owner.
const sessionId = `session_00${which}`;
const session = new EngramSession({ client, sessionId, remember: true });
const input = which === "1" ? "My name is Dana and I prefer dark mode." : "What UI preference did I mention?";

const agent = new Agent({
  name: "Assistant",
  // What engram knows that matters for this turn (core blocks, standing facts, relevant
  // memories, the session's recent turns), rendered within a token budget.
  instructions: async () => {
    const context = await client.context({ query: input, session_id: sessionId, token_budget: 300 });
    return `You are a concise assistant.\n${context.rendered}`;
  },
  model: new ScriptedModel([
    modelResponder(({ request }) => {
      const known = request.systemInstructions ?? "";
      const answer =
        which === "1"
          ? "Nice to meet you, Dana."
          : /dark mode/i.test(known)
            ? "You said you prefer dark mode."
            : "I don't know.";
      return [assistantMessage(answer)];
    }),
  ]),
});

const result = await run(agent, input, { session });
console.log(`${sessionId} user: ${input}`);
console.log(`${sessionId} assistant: ${result.finalOutput}`);
