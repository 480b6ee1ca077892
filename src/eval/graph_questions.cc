#include "eval/graph_questions.h"

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "engram/engine.h"

namespace engram::eval {

using nlohmann::json;

namespace {

// How deep a search looks for the expected memory.
constexpr size_t kGraphSearchDepth = 10;

struct Edge {
  std::string from, type, to;
  size_t memory = 0;
};

struct GraphQuestionOwner {
  std::string id;
  std::string split;
  std::vector<std::string> memories;
  std::vector<Edge> edges;
  std::vector<std::pair<std::string, size_t>> questions;
};

bool IsIndex(const json& v, size_t size) {
  return v.is_number_unsigned() && v.get<size_t>() < size;
}

Result<std::vector<GraphQuestionOwner>> LoadGraphQuestions(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot open graph question set '" + path + "'");
  std::vector<GraphQuestionOwner> out;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(number) + ": ";
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    auto is = [&](const char* field, bool (json::*kind)() const noexcept) {
      return j.contains(field) && (j[field].*kind)();
    };
    if (!j.is_object() || !is("owner", &json::is_string) || !is("split", &json::is_string) ||
        !is("memories", &json::is_array) || !is("edges", &json::is_array) ||
        !is("questions", &json::is_array)) {
      return Status::InvalidArgument(
          where + "expected {\"owner\", \"split\", \"memories\", \"edges\", \"questions\"}");
    }
    GraphQuestionOwner o;
    o.id = j["owner"].get<std::string>();
    o.split = j["split"].get<std::string>();
    for (const auto& m : j["memories"]) {
      if (!m.is_string()) return Status::InvalidArgument(where + "a memory is not a string");
      o.memories.push_back(m.get<std::string>());
    }
    for (const auto& e : j["edges"]) {
      if (!e.is_array() || e.size() != 4 || !e[0].is_string() || !e[1].is_string() ||
          !e[2].is_string() || !IsIndex(e[3], o.memories.size())) {
        return Status::InvalidArgument(
            where + "an edge must be [\"from\", \"type\", \"to\", memory index]");
      }
      o.edges.push_back({e[0].get<std::string>(), e[1].get<std::string>(), e[2].get<std::string>(),
                         e[3].get<size_t>()});
    }
    for (const auto& q : j["questions"]) {
      if (!q.is_array() || q.size() != 2 || !q[0].is_string() ||
          !IsIndex(q[1], o.memories.size())) {
        return Status::InvalidArgument(where + "a question must be [\"text\", memory index]");
      }
      o.questions.emplace_back(q[0].get<std::string>(), q[1].get<size_t>());
    }
    out.push_back(std::move(o));
  }
  return out;
}

// Stores the owner's memories, entities and edges; the memories' ids in file order.
Result<std::vector<std::string>> Store(Engine& engine, const GraphQuestionOwner& o) {
  ENGRAM_RETURN_IF_ERROR(engine.ForgetOwner(o.id).status());
  std::vector<NewMemory> batch;
  for (const std::string& text : o.memories) {
    NewMemory m;
    m.owner_id = o.id;
    m.type = MemoryType::kFact;
    m.text = text;
    m.source = "graph-eval";
    batch.push_back(std::move(m));
  }
  ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> added, engine.AddMemories(batch));
  if (added.size() != o.memories.size()) {
    return Status::Internal("owner " + o.id + ": a memory was not stored as written");
  }
  std::vector<std::string> ids;
  for (const MemoryRecord& r : added) ids.push_back(r.id);
  std::set<std::string> names;
  for (const Edge& e : o.edges) names.insert({e.from, e.to});
  std::vector<NewEntity> entities;
  for (const std::string& name : names) {
    NewEntity e;
    e.owner_id = o.id;
    e.name = name;
    entities.push_back(std::move(e));
  }
  ENGRAM_RETURN_IF_ERROR(engine.AddEntities(entities).status());
  std::vector<NewRelation> relations;
  for (const Edge& e : o.edges) {
    NewRelation r;
    r.owner_id = o.id;
    r.from = e.from;
    r.type = e.type;
    r.to = e.to;
    r.source = ids[e.memory];
    relations.push_back(std::move(r));
  }
  ENGRAM_RETURN_IF_ERROR(engine.AddRelations(relations).status());
  return ids;
}

GraphQuestionsScore& ScoreOf(GraphQuestionsReport& report, const std::string& split, bool graph) {
  for (GraphQuestionsScore& s : report.scores) {
    if (s.split == split && s.graph == graph) return s;
  }
  report.scores.push_back({split, false});
  report.scores.push_back({split, true});
  return report.scores[report.scores.size() - (graph ? 1 : 2)];
}

std::string Percent(size_t n, size_t of) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", of ? 100.0 * double(n) / double(of) : 0.0);
  return buf;
}

}  // namespace

Result<GraphQuestionsReport> RunGraphQuestions(const GraphQuestionsOptions& options) {
  ENGRAM_ASSIGN_OR_RETURN(std::vector<GraphQuestionOwner> owners,
                          LoadGraphQuestions(options.data_path));
  Options engine_options;
  engine_options.path = options.work_dir + "/graph-eval.db";
  engine_options.embedder = options.embedder;
  engine_options.durable_commits = false;
  ENGRAM_ASSIGN_OR_RETURN(auto engine, Engine::Open(engine_options));

  GraphQuestionsReport report;
  for (const GraphQuestionOwner& o : owners) {
    ENGRAM_ASSIGN_OR_RETURN(std::vector<std::string> ids, Store(*engine, o));
    ++report.owners;
    report.memories += o.memories.size();
    report.edges += o.edges.size();
    for (const bool graph : {false, true}) {
      GraphQuestionsScore& score = ScoreOf(report, o.split, graph);
      for (const auto& [question, expected] : o.questions) {
        SearchOptions so;  // the defaults a user gets, but the graph
        so.mode = options.embedder ? SearchMode::kHybrid : SearchMode::kLexical;
        so.use_graph = graph;
        so.top_k = kGraphSearchDepth;
        so.record_access = false;
        ENGRAM_ASSIGN_OR_RETURN(auto hits, engine->Search(o.id, question, so));
        int rank = 0;
        for (size_t i = 0; i < hits.size(); ++i) {
          if (hits[i].record.id == ids[expected]) {
            rank = static_cast<int>(i) + 1;
            break;
          }
        }
        ++score.questions;
        score.top1 += rank == 1;
        score.top3 += rank >= 1 && rank <= 3;
        report.answers.push_back({o.id, o.split, question, o.memories[expected], graph, rank});
      }
    }
  }
  return report;
}

json GraphQuestionsReportToJson(const GraphQuestionsReport& report) {
  json scores = json::array();
  for (const GraphQuestionsScore& s : report.scores) {
    const double n = s.questions ? double(s.questions) : 1;
    scores.push_back({{"split", s.split},
                      {"use_graph", s.graph},
                      {"questions", s.questions},
                      {"top1", s.top1 / n},
                      {"top3", s.top3 / n}});
  }
  json answers = json::array();
  for (const GraphAnswer& a : report.answers) {
    answers.push_back({{"owner", a.owner},
                       {"split", a.split},
                       {"question", a.question},
                       {"expected", a.expected},
                       {"use_graph", a.graph},
                       {"rank", a.rank}});
  }
  return {{"owners", report.owners},
          {"memories", report.memories},
          {"edges", report.edges},
          {"scores", scores},
          {"answers", answers}};
}

std::string GraphQuestionsReportToMarkdown(const GraphQuestionsReport& report) {
  std::ostringstream out;
  out << "| split | use_graph | questions | top-1 | top-3 |\n|---|---|---|---|---|\n";
  for (const GraphQuestionsScore& s : report.scores) {
    out << "| " << s.split << " | " << (s.graph ? "on" : "off") << " | " << s.questions << " | "
        << Percent(s.top1, s.questions) << " | " << Percent(s.top3, s.questions) << " |\n";
  }
  return out.str();
}

}  // namespace engram::eval
