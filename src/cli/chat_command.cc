// engram chat: the agent loop of the seed in the terminal. Each line the user types is one turn:
// assemble the context for it, send it with the recent turns to the model, store both sides of
// the exchange, extract memories from the user's turn, fold what left the window into the
// rolling summary, print the reply.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "llm/llm_client.h"
#include "util/text.h"

namespace engram::cli {

namespace {

constexpr char kPreamble[] =
    "You are a helpful assistant with a long-term memory of this user, kept by engram. What it "
    "recalls for this turn follows; use it when it is relevant and never invent memories.\n\n";

struct ChatArgs {
  std::string owner, session, scope = "global";
  size_t budget = 2000;  // tokens of recalled context in the system prompt
  size_t window = 6;     // turns sent as messages; older ones live in the rolling summary
  int max_tokens = 1024;
};

// The session's recent turns as alternating messages that start with the user's, as both
// providers require: tool traffic is left out and consecutive items of one role are joined.
Result<std::vector<llm::Message>> History(Engine& engine, const ChatArgs& a) {
  ENGRAM_ASSIGN_OR_RETURN(std::vector<SessionItem> items,
                          engine.GetSessionWindow(a.owner, a.session, a.window));
  std::vector<llm::Message> out;
  for (const SessionItem& item : items) {
    if ((item.role != Role::kUser && item.role != Role::kAssistant) || item.content.empty()) {
      continue;
    }
    const llm::MessageRole role =
        item.role == Role::kUser ? llm::MessageRole::kUser : llm::MessageRole::kAssistant;
    if (out.empty() && role == llm::MessageRole::kAssistant) continue;
    if (!out.empty() && out.back().role == role) {
      out.back().text += "\n\n" + item.content;
    } else {
      out.push_back({role, item.content});
    }
  }
  return out;
}

SessionItem Item(Role role, std::string content) {
  SessionItem item;
  item.role = role;
  item.content = std::move(content);
  return item;
}

// One exchange; the reply is printed. The user's turn is stored before the model is called, so
// a failed call loses nothing.
Status Exchange(Engine& engine, llm::LlmClient& model, const ChatArgs& a, const std::string& line,
                bool interactive) {
  ContextOptions o;
  o.scope = a.scope;
  o.session_id = a.session;
  o.query = line;
  o.token_budget = a.budget;
  o.recent_turns = 0;  // they go as messages
  ENGRAM_ASSIGN_OR_RETURN(Context context, engine.AssembleContext(a.owner, o));
  ENGRAM_ASSIGN_OR_RETURN(std::vector<llm::Message> messages, History(engine, a));
  ENGRAM_RETURN_IF_ERROR(
      engine.AddSessionItems(a.owner, a.session, {Item(Role::kUser, line)}).status());
  if (!messages.empty() && messages.back().role == llm::MessageRole::kUser) {
    messages.back().text += "\n\n" + line;  // an earlier turn that got no answer
  } else {
    messages.push_back({llm::MessageRole::kUser, line});
  }

  llm::CompletionRequest request;
  request.system = kPreamble + context.rendered;
  request.messages = std::move(messages);
  request.max_tokens = a.max_tokens;
  const std::string kept = " (your message is kept in session " + a.session + ")";
  Result<llm::Completion> answer = model.Complete(request);
  if (!answer.ok()) return answer.status().WithPrefix("the model did not answer" + kept + ": ");
  const std::string reply(util::TrimWhitespace(answer->text));
  if (reply.empty()) return Status::Unavailable("the model gave an empty answer" + kept);
  ENGRAM_RETURN_IF_ERROR(
      engine.AddSessionItems(a.owner, a.session, {Item(Role::kAssistant, reply)}).status());
  std::cout << (interactive ? "engram> " : "") << reply << "\n" << std::flush;

  // Memory upkeep after the reply, so the user does not wait for it.
  Result<TurnReport> report = engine.RememberTurn(a.owner, a.scope, a.session, Role::kUser, line);
  if (!report.ok()) {
    std::cerr << "engram: warning: nothing remembered from this turn: " << report.status().message()
              << "\n";
  } else if (!report->llm_error.empty()) {
    std::cerr << "engram: warning: the model could not extract memories, offline rules used: "
              << report->llm_error << "\n";
  }
  Result<std::optional<SessionSummary>> summary =
      engine.SummarizeSession(a.owner, a.session, a.window);
  if (!summary.ok()) {
    std::cerr << "engram: warning: the rolling summary was not updated (retried next turn): "
              << summary.status().message() << "\n";
  }
  return Status::Ok();
}

}  // namespace

void AddChatCommand(const CommandContext& ctx) {
  CLI::App& app = ctx.app;
  Globals& g = ctx.globals;
  Cli& cli = ctx.cli;
  std::function<Status()>& command = ctx.command;
  auto a = std::make_shared<ChatArgs>();
  auto* chat = app.add_subcommand(
      "chat", "Talk to a model that remembers: one line of standard input per turn");
  chat->add_option("--owner", a->owner, "Owner whose memory this is")->required();
  chat->add_option("--session", a->session, "Session id")->required();
  chat->add_option("--scope", a->scope, "Scope of what is recalled and remembered (global)");
  chat->add_option("--provider", g.llm_provider, "anthropic or openai (default: $ENGRAM_LLM)");
  chat->add_option("--model", g.llm_model, "Model (default: $ENGRAM_LLM_MODEL)");
  chat->add_option("--budget", a->budget, "Tokens of recalled context (default 2000)");
  chat->add_option("--window", a->window, "Recent turns sent as messages (default 6)");
  chat->add_option("--max-tokens", a->max_tokens, "Longest answer in tokens (default 1024)");
  chat->callback([a, &cli, &command] {
    command = [a, &cli]() -> Status {
      if (a->window == 0) return Status::InvalidArgument("--window must be at least 1");
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine(true, false, /*with_llm=*/true));
      if (!cli.llm()) {
        return Status::FailedPrecondition(
            "engram chat needs a model: set ENGRAM_LLM=anthropic or openai, or pass --provider "
            "(docs/llm.md)");
      }
      const bool interactive = isatty(STDIN_FILENO);
      if (interactive) std::cout << "engram chat: " << cli.llm()->model_id() << ", /exit ends\n";
      for (std::string line;;) {
        if (interactive) std::cout << "you> " << std::flush;
        if (!std::getline(std::cin, line)) break;
        line = std::string(util::TrimWhitespace(line));
        if (line.empty()) continue;
        if (line == "/exit" || line == "/quit") break;
        Status st = Exchange(*engine, *cli.llm(), *a, line, interactive);
        if (!st.ok()) {
          if (!interactive) return st;  // a script learns of the failure by the exit status
          cli.PrintError(st);
        }
      }
      return Status::Ok();
    };
  });
}

}  // namespace engram::cli
