// One run of an OpenAI Agents SDK agent with an EngramSession, in a process of its own: the
// model is the SDK's ScriptedModel (no network). Run 1 asks about the weather, the model calls a
// tool and answers with a reasoning item; run 2, in another process, sees run 1 in its input.
// Usage: node run-turn.mjs BASE_URL API_KEY OWNER SESSION_ID 1|2
// Prints one JSON line: {"input": what the model was sent, "session": the session's items after
// the run, "output": the final output}.
import { Agent, run, tool } from "@openai/agents-core";
import {
  ScriptedModel,
  assistantMessage,
  functionCall,
  modelResponder,
} from "@openai/agents-core/testing";
import { z } from "zod";

import { EngramClient, EngramSession } from "../../dist/index.js";

const [baseUrl, apiKey, owner, sessionId, turn] = process.argv.slice(2);
const client = new EngramClient({ baseUrl, apiKey, owner });
const session = new EngramSession({ client, sessionId });

const weather = tool({
  name: "get_weather",
  description: "The weather in a city",
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => `It is sunny and 24 °C in ${city}.`,
});

const reasoning = {
  type: "reasoning",
  id: "rs_1",
  content: [{ type: "input_text", text: "The tool said sunny; answer briefly." }],
  providerData: { encrypted_content: "gAAAA-opaque", summary_index: 0 },
};

const script =
  turn === "1"
    ? [
        [
          functionCall(
            "get_weather",
            { city: "Lisbon" },
            { callId: "call_weather_1", id: "fc_1", providerData: { status: "completed" } },
          ),
        ],
        [reasoning, assistantMessage("It is sunny and 24 °C in Lisbon.", { id: "msg_1" })],
      ]
    : [
        modelResponder(({ request }) => {
          const said = JSON.stringify(request.input);
          const answer = said.includes("Lisbon")
            ? "Earlier you asked about Lisbon: sunny, 24 °C."
            : "I do not know what you asked before.";
          return [assistantMessage(answer, { id: "msg_2" })];
        }),
      ];
const model = new ScriptedModel(script);
const agent = new Agent({
  name: "Weather assistant",
  instructions: "Answer questions about the weather.",
  model,
  tools: [weather],
});

const input = turn === "1" ? "What is the weather in Lisbon?" : "Which city did I ask about?";
const result = await run(agent, input, { session });
model.assertComplete();
console.log(
  JSON.stringify({
    input: model.lastCall.request.input,
    session: await session.getItems(),
    output: result.finalOutput,
  }),
);
