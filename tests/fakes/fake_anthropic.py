#!/usr/bin/env python3
"""A fake Anthropic Messages API server for engram's tests (Python 3 standard library only).

    fake_anthropic.py --log FILE [--idle-timeout S] [--watch-stdin] [--verbose]

The same server, command line, request log, /_control queue and behaviours as fake_openai.py
(which it imports), with Anthropic's wire format instead of OpenAI's:

    POST /v1/messages    {"type": "message", "role": "assistant", "content": [{"type": "text",
                         "text": T}], "stop_reason": S, "usage": {...}}: T is the behaviour's
                         "text" (default "ok"), S its "stop_reason" (default "end_turn");
                         "blocks" replaces the content array. Requires the anthropic-version
                         header, "model", "max_tokens" and "messages", as the real API does.
    errors               {"type": "error", "error": {"type": "rate_limit_error", "message": ...},
                         "request_id": ...} for "reply" behaviours without a "body"

Behaviours added here:
    {"action": "answer", "text": "...", "stop_reason": "max_tokens", "blocks": [...]}
"""

import fake_openai as base

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def anthropic_error_reply(status, message, headers=None, body=None):
    if body is None:
        body = {"type": "error",
                "error": {"type": ERROR_TYPES.get(status, "api_error"), "message": message},
                "request_id": "req_fake"}
    return base.Reply(status, body, headers)


# The base server builds every error through this module-level name.
base.error_reply = anthropic_error_reply
base.Handler.server_version = "fake-anthropic/1"


@base.route("POST", "/v1/messages")
def messages(state, request, behaviour):
    if "anthropic-version" not in request.headers:
        return anthropic_error_reply(400, "anthropic-version: header is required")
    body = request.json
    if not isinstance(body, dict) or not all(k in body for k in ("model", "max_tokens",
                                                                  "messages")):
        return anthropic_error_reply(400, "model, max_tokens and messages are required")
    if not isinstance(body["messages"], list) or not body["messages"]:
        return anthropic_error_reply(400, "messages: at least one message is required")
    text = behaviour.get("text", "ok")
    blocks = behaviour.get("blocks", [{"type": "text", "text": text}])
    input_tokens = sum(len(str(m.get("content", "")).split()) for m in body["messages"])
    output_tokens = len(text.split()) if isinstance(text, str) else 0
    return base.Reply(200, {"id": "msg_fake", "type": "message", "role": "assistant",
                            "model": body["model"], "content": blocks,
                            "stop_reason": behaviour.get("stop_reason", "end_turn"),
                            "stop_sequence": None,
                            "usage": {"input_tokens": input_tokens,
                                      "output_tokens": output_tokens}})


if __name__ == "__main__":
    base.main()
